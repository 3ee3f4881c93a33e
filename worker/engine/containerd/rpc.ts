import * as grpc from '@grpc/grpc-js';
import { decode, encode } from './schema';
import { fromGrpcError } from './grpc-errors';
import { SERVICES } from './proto-source';
import { H2Channel, type H2Call } from './h2-stream';

export type ServiceName = keyof typeof SERVICES;

/** Per-call context: containerd's namespace, and the lease that new content and snapshots join. */
export interface CallContext {
  namespace: string;
  lease?: string;
}

function headers(ctx: CallContext): Record<string, string> {
  return ctx.lease
    ? { 'containerd-namespace': ctx.namespace, 'containerd-lease': ctx.lease }
    : { 'containerd-namespace': ctx.namespace };
}

function metadata(ctx: CallContext): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers(ctx))) md.set(k, v);
  return md;
}

/** A bidi call whose messages are written as encoded pieces (see h2-stream.ts). */
export interface PiecewiseCall<Res> {
  /** Writes one message: an object to encode, or the pieces of one encoded already. */
  send(message: object | readonly Buffer[]): Promise<void>;
  /** The next answer, or undefined once the call ended with status OK; rejects with our typed error. */
  next(): Promise<Res | undefined>;
  end(): void;
  cancel(): void;
}

/**
 * One gRPC channel to containerd and typed unary/streaming calls over it. Messages are
 * encoded by hand with protobufjs, so no generated code or .proto files are needed at run time.
 */
export class RpcChannel {
  readonly client: grpc.Client;
  private readonly h2: H2Channel;

  constructor(address: string) {
    const target = address.startsWith('unix:') ? address : `unix://${address}`;
    this.h2 = new H2Channel(target.replace(/^unix:(\/\/)?/, ''));
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

  /** A bidi call over the channel's own HTTP/2 session, for messages of many megabytes. */
  piecewiseBidi<Res>(ctx: CallContext, service: ServiceName, method: string): PiecewiseCall<Res> {
    const { path, req, res } = this.def(service, method);
    const call: H2Call = this.h2.bidi(path, headers(ctx));
    const name = `${service}.${method}`;
    return {
      async send(message) {
        try {
          await call.send(Array.isArray(message) ? (message as Buffer[]) : [encode(req, message)]);
        } catch (err) {
          throw fromGrpcError(name, err);
        }
      },
      async next() {
        try {
          const b = await call.next();
          return b === undefined ? undefined : decode<Res>(res, b);
        } catch (err) {
          throw fromGrpcError(name, err);
        }
      },
      end: () => call.end(),
      cancel: () => call.cancel(),
    };
  }

  close(): void {
    this.client.close();
    this.h2.close();
  }
}

export { fromGrpcError };
