import * as grpc from '@grpc/grpc-js';
import { decode, encode } from './schema';
import { fromGrpcError } from './grpc-errors';
import { SERVICES } from './proto-source';

export type ServiceName = keyof typeof SERVICES;

/** Per-call context: containerd's namespace, and the lease that new content and snapshots join. */
export interface CallContext {
  namespace: string;
  lease?: string;
}

function metadata(ctx: CallContext): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('containerd-namespace', ctx.namespace);
  if (ctx.lease) md.set('containerd-lease', ctx.lease);
  return md;
}

/**
 * One gRPC channel to containerd and typed unary/streaming calls over it. Messages are
 * encoded by hand with protobufjs, so no generated code or .proto files are needed at run time.
 */
export class RpcChannel {
  readonly client: grpc.Client;

  constructor(address: string) {
    const target = address.startsWith('unix:') ? address : `unix://${address}`;
    this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 << 20,
      'grpc.max_send_message_length': 64 << 20,
      // containerd's socket answers with authority "localhost"; a path in :authority upsets nothing but is noise.
      'grpc.default_authority': 'localhost',
    });
  }

  private def(service: ServiceName, method: string): { path: string; req: string; res: string } {
    const s = SERVICES[service];
    const m = (s.methods as Record<string, readonly string[]>)[method];
    if (!m) throw new Error(`containerd: unknown method ${service}.${method}`);
    return { path: `/${s.service}/${method}`, req: m[0], res: m[1] };
  }

  unary<T>(ctx: CallContext, service: ServiceName, method: string, request: object, timeoutMs?: number): Promise<T> {
    const { path, req, res } = this.def(service, method);
    const opts: grpc.CallOptions = timeoutMs ? { deadline: Date.now() + timeoutMs } : {};
    return new Promise<T>((resolve, reject) => {
      this.client.makeUnaryRequest<object, T>(
        path,
        (v) => encode(req, v),
        (b) => decode<T>(res, b),
        request,
        metadata(ctx),
        opts,
        (err, value) => (err ? reject(fromGrpcError(`${service}.${method}`, err)) : resolve(value as T)),
      );
    });
  }

  /** A server stream as an async iterable; breaking out of the loop cancels the call. */
  async *serverStream<T>(
    ctx: CallContext,
    service: ServiceName,
    method: string,
    request: object,
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    const { path, req, res } = this.def(service, method);
    const call = this.client.makeServerStreamRequest<object, T>(
      path,
      (v) => encode(req, v),
      (b) => decode<T>(res, b),
      request,
      metadata(ctx),
      {},
    );
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const msg of call as AsyncIterable<T>) yield msg;
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.CANCELLED && (signal?.aborted ?? true)) return;
      throw fromGrpcError(`${service}.${method}`, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  bidi<Req extends object, Res>(
    ctx: CallContext,
    service: ServiceName,
    method: string,
  ): grpc.ClientDuplexStream<Req, Res> {
    const { path, req, res } = this.def(service, method);
    return this.client.makeBidiStreamRequest<Req, Res>(
      path,
      // A Buffer is a message encoded already (a content write's bytes, see write-request.ts).
      (v) => (Buffer.isBuffer(v) ? v : encode(req, v)),
      (b) => decode<Res>(res, b),
      metadata(ctx),
      {},
    );
  }

  close(): void {
    this.client.close();
  }
}

export { fromGrpcError };
