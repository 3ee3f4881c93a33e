import * as http2 from 'node:http2';
import * as net from 'node:net';

/** A gRPC failure as grpc-js reports it: what fromGrpcError maps. */
interface GrpcFailure {
  code: number;
  details: string;
  message: string;
}

/**
 * gRPC bidi calls straight over node's HTTP/2, for the one call whose messages are large: a
 * message is written as its pieces (a header and the caller's buffers), so its bytes go from
 * the download's socket reads to containerd's socket without a copy. grpc-js copies each
 * message twice (once to encode it, once to prefix its length), into buffers of a megabyte
 * that malloc maps fresh every time: the page faults made those copies the largest single
 * cost of a pull in the daemon (about 50 of 400 ms of CPU for 17 MiB).
 */
export class H2Channel {
  private session?: http2.ClientHttp2Session;

  constructor(private readonly socketPath: string) {}

  private connect(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const s = http2.connect('http://localhost', { createConnection: () => net.connect(this.socketPath) });
    s.on('error', () => undefined); // each stream reports the failure of its session
    s.on('close', () => {
      if (this.session === s) this.session = undefined;
    });
    s.unref(); // an idle session keeps no daemon alive
    this.session = s;
    return s;
  }

  /** Opens a bidi call of `path` (/package.Service/Method) with `metadata` as headers. */
  bidi(path: string, metadata: Record<string, string>): H2Call {
    const stream = this.connect().request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...metadata,
    });
    return new H2Call(stream);
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}

/** One call: length-prefixed messages out, decoded answers in, the status from the trailers. */
export class H2Call {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly answers: Buffer[] = [];
  private waiting?: { resolve(b: Buffer | undefined): void; reject(e: Error): void };
  private failure?: Error;
  private ended = false;

  constructor(private readonly stream: http2.ClientHttp2Stream) {
    stream.on('response', (headers) => this.onStatus(headers)); // a trailers-only answer
    stream.on('trailers', (trailers) => this.onStatus(trailers));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => this.finish());
    stream.on('close', () => {
      if (stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR)
        this.fail(grpcFailure(14, `stream reset (HTTP/2 code ${stream.rstCode})`));
      this.finish();
    });
    stream.on('error', (err: Error) => this.fail(grpcFailure(14, err.message)));
  }

  /**
   * Writes one message made of `pieces` (already protobuf-encoded, in order); resolves when the
   * stream can take more.
   */
  async send(pieces: readonly Buffer[]): Promise<void> {
    if (this.failure) throw this.failure;
    let size = 0;
    for (const p of pieces) size += p.length;
    const prefix = Buffer.allocUnsafe(5);
    prefix[0] = 0; // not compressed
    prefix.writeUInt32BE(size, 1);
    this.stream.cork();
    let ok = this.stream.write(prefix);
    for (const p of pieces) ok = this.stream.write(p);
    this.stream.uncork();
    if (!ok)
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done).off('close', done);
          resolve();
        };
        this.stream.on('drain', done).on('close', done);
      });
    if (this.failure) throw this.failure;
  }

  /** The next answer's bytes, or undefined once the call has ended with status OK. */
  next(): Promise<Buffer | undefined> {
    const a = this.answers.shift();
    if (a) return Promise.resolve(a);
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Half-closes: no more messages from this side. */
  end(): void {
    this.stream.end();
  }

  cancel(): void {
    if (!this.stream.closed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  private onData(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      if (this.bufferedBytes < 5) return;
      const head = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
      const len = head.readUInt32BE(1);
      if (head.length < 5 + len) {
        this.buffered = [head];
        return;
      }
      this.deliver(head.subarray(5, 5 + len));
      const rest = head.subarray(5 + len);
      this.buffered = rest.length ? [rest] : [];
      this.bufferedBytes = rest.length;
    }
  }

  private deliver(answer: Buffer): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w.resolve(answer);
    else this.answers.push(answer);
  }

  private onStatus(headers: http2.IncomingHttpHeaders): void {
    const status = headers['grpc-status'];
    if (status === undefined) return;
    const code = Number(status);
    if (code !== 0) {
      const raw = headers['grpc-message'];
      const details = decodeURIComponent(String(Array.isArray(raw) ? raw[0] : (raw ?? '')));
      this.fail(grpcFailure(code, details));
    }
  }

  private fail(err: Error): void {
    if (this.failure || this.ended) return;
    this.failure = err;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    const w = this.waiting;
    this.waiting = undefined;
    if (!w) return;
    if (this.failure) w.reject(this.failure);
    else w.resolve(undefined);
  }
}

function grpcFailure(code: number, details: string): Error & GrpcFailure {
  return Object.assign(new Error(`${code}: ${details}`), { code, details });
}
