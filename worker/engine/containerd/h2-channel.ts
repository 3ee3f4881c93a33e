import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { H2Call } from './h2-call';
import { FrameReader, framePrefix } from './grpc-frames';
import { closedWithoutStatus, GrpcCode, grpcFailure, statusOf, type GrpcFailure } from './grpc-status';

/** Reconnect backoff after containerd went away: it is usually back (restarted) within a second. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;
/**
 * A session is replaced before its stream ids run out (2^31 - 1, odd ids only): a daemon that
 * makes a hundred calls a second would otherwise fail every call after some months.
 */
const STREAM_ID_LIMIT = 2 ** 30;
/** Flow-control windows: node's default of 64 KiB per stream throttles reads of large blobs. */
const STREAM_WINDOW = 1 << 20;
const SESSION_WINDOW = 8 << 20;

/**
 * gRPC to one containerd socket straight over node's HTTP/2. A unary call is one stream: its
 * request written with the stream's end, its answer read from the body, its status from the
 * trailers; grpc-js spent 15-20 ms of the daemon's CPU per container started and stopped on
 * the interceptors, retry bookkeeping and metadata objects around each of its 8-10 calls.
 *
 * Emits 'down' when a connected session closes and 'up' when one connects; after a loss it
 * reconnects on its own (backoff 100 ms to 2 s), so owners hear containerd coming back.
 */
export class H2Channel extends EventEmitter {
  private session?: http2.ClientHttp2Session;
  private up = false;
  private closed = false;
  private retry?: NodeJS.Timeout;
  private backoff = RETRY_MIN_MS;

  constructor(private readonly socketPath: string) {
    super();
  }

  /** Whether a session is connected now. */
  get connected(): boolean {
    return this.up;
  }

  /** Resolves once a session is connected; rejects with UNAVAILABLE after timeoutMs. */
  waitForReady(timeoutMs: number): Promise<void> {
    if (this.up) return Promise.resolve();
    try {
      this.sessionForCall();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('up', onUp);
        reject(grpcFailure(GrpcCode.UNAVAILABLE, `not connected to ${this.socketPath} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onUp = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('up', onUp);
    });
  }

  /** One request, one answer: the answer's message bytes, or a GrpcFailure. */
  unary(path: string, metadata: Record<string, string>, message: Buffer, timeoutMs?: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.sessionForCall().request(requestHeaders(path, metadata, timeoutMs));
      } catch (err) {
        return reject(asFailure(err));
      }
      const frames = new FrameReader();
      let answer: Buffer | undefined;
      let status: { code: number; details: string } | undefined;
      let failure: GrpcFailure | undefined;
      let timer: NodeJS.Timeout | undefined;
      const onStatus = (headers: http2.IncomingHttpHeaders) => (status ??= statusOf(headers));
      stream.on('response', onStatus);
      stream.on('trailers', onStatus);
      stream.on('data', (chunk: Buffer) => {
        try {
          for (const m of frames.push(chunk)) answer ??= m;
        } catch (err) {
          failure ??= err as GrpcFailure;
          stream.close(http2.constants.NGHTTP2_CANCEL);
        }
      });
      stream.on('error', (err: Error) => (failure ??= grpcFailure(GrpcCode.UNAVAILABLE, err.message)));
      stream.on('close', () => {
        clearTimeout(timer);
        if (failure) return reject(failure);
        if (!status) return reject(closedWithoutStatus(stream.rstCode));
        if (status.code !== GrpcCode.OK) return reject(grpcFailure(status.code, status.details));
        if (!answer) return reject(grpcFailure(GrpcCode.INTERNAL, 'the call ended without an answer'));
        resolve(answer);
      });
      if (timeoutMs)
        timer = setTimeout(() => {
          failure ??= grpcFailure(GrpcCode.DEADLINE_EXCEEDED, `no answer within ${timeoutMs} ms`);
          stream.close(http2.constants.NGHTTP2_CANCEL);
        }, timeoutMs);
      stream.end(Buffer.concat([framePrefix(message.length), message]));
    });
  }

  /** Opens a streaming call of `path` (/package.Service/Method); throws UNAVAILABLE once closed. */
  call(path: string, metadata: Record<string, string>): H2Call {
    return new H2Call(this.sessionForCall().request(requestHeaders(path, metadata)));
  }

  /** Ends the connection; calls under way are cut. Idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    const s = this.session;
    this.session = undefined;
    s?.destroy();
    this.setUp(false);
  }

  /** The session for a new call: the current one, or a new one when it is gone or nearly out of ids. */
  private sessionForCall(): http2.ClientHttp2Session {
    if (this.closed) throw grpcFailure(GrpcCode.UNAVAILABLE, 'the channel is closed');
    const s = this.session;
    if (s && !s.closed && !s.destroyed) {
      if ((s.state.nextStreamID ?? 0) < STREAM_ID_LIMIT) return s;
      // Calls under way finish on it; its close is no loss of containerd.
      this.session = undefined;
      s.close();
    }
    return this.open();
  }

  private open(): http2.ClientHttp2Session {
    const s = http2.connect('http://localhost', {
      createConnection: () => net.connect(this.socketPath),
      settings: { initialWindowSize: STREAM_WINDOW },
    });
    this.session = s;
    s.on('error', () => undefined); // each call reports the failure of its session
    s.once('connect', () => {
      if (this.session !== s) return;
      s.setLocalWindowSize(SESSION_WINDOW);
      this.backoff = RETRY_MIN_MS;
      this.setUp(true);
    });
    s.once('close', () => {
      if (this.session !== s) return;
      this.session = undefined;
      this.setUp(false);
      this.reconnectLater();
    });
    s.unref(); // an idle session keeps no process alive
    return s;
  }

  private reconnectLater(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.closed && !this.session) this.open();
    }, this.backoff);
    this.retry.unref();
    this.backoff = Math.min(this.backoff * 2, RETRY_MAX_MS);
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    this.emit(up ? 'up' : 'down');
  }
}

function requestHeaders(path: string, metadata: Record<string, string>, timeoutMs?: number): http2.OutgoingHttpHeaders {
  const h: http2.OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...metadata,
  };
  if (timeoutMs) h['grpc-timeout'] = `${Math.max(1, Math.ceil(timeoutMs))}m`;
  return h;
}

function asFailure(err: unknown): GrpcFailure {
  const e = err as Partial<GrpcFailure>;
  return typeof e.code === 'number' ? (e as GrpcFailure) : grpcFailure(GrpcCode.UNAVAILABLE, String(e.message ?? err));
}
