import { decode, encode } from './schema';
import { fromGrpcError } from './grpc-errors';
import { GrpcCode } from './grpc-status';
import { SERVICES } from './proto-source';
import { H2Channel } from './h2-channel';
import type { H2Call } from './h2-call';

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

/** A bidi call whose messages are written as encoded pieces (see h2-call.ts). */
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
  readonly h2: H2Channel;

  constructor(address: string) {
    this.h2 = new H2Channel(address.replace(/^unix:(\/\/)?/, ''));
  }

  private def(service: ServiceName, method: string): { path: string; req: string; res: string } {
    const s = SERVICES[service];
    const m = (s.methods as Record<string, readonly string[]>)[method];
    if (!m) throw new Error(`containerd: unknown method ${service}.${method}`);
    return { path: `/${s.service}/${method}`, req: m[0], res: m[1] };
  }

  async unary<T>(
    ctx: CallContext,
    service: ServiceName,
    method: string,
    request: object,
    timeoutMs?: number,
  ): Promise<T> {
    const { path, req, res } = this.def(service, method);
    try {
      return decode<T>(res, await this.h2.unary(path, headers(ctx), encode(req, request), timeoutMs));
    } catch (err) {
      throw fromGrpcError(`${service}.${method}`, err);
    }
  }

  /** A server stream as an async iterable; breaking out of the loop (or the signal) cancels the call. */
  async *serverStream<T>(
    ctx: CallContext,
    service: ServiceName,
    method: string,
    request: object,
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    const { call, name, req, res } = this.open(ctx, service, method);
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await call.send([encode(req, request)]);
      call.end();
      for (let b = await call.next(); b !== undefined; b = await call.next()) yield decode<T>(res, b);
    } catch (err) {
      if ((err as { code?: number }).code === GrpcCode.CANCELLED && (signal?.aborted ?? true)) return;
      throw fromGrpcError(name, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  /** A bidi call over the channel's own HTTP/2 session, for messages of many megabytes. */
  piecewiseBidi<Res>(ctx: CallContext, service: ServiceName, method: string): PiecewiseCall<Res> {
    const { call, name, req, res } = this.open(ctx, service, method);
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

  /** A streaming call opened, with its message types and its name for errors. */
  private open(
    ctx: CallContext,
    service: ServiceName,
    method: string,
  ): { call: H2Call; name: string; req: string; res: string } {
    const { path, req, res } = this.def(service, method);
    const name = `${service}.${method}`;
    try {
      return { call: this.h2.call(path, headers(ctx)), name, req, res };
    } catch (err) {
      throw fromGrpcError(name, err);
    }
  }

  close(): void {
    this.h2.close();
  }
}

export { fromGrpcError };
