import * as http2 from 'node:http2';
import { FrameReader, framePrefix } from './grpc-frames';
import { closedWithoutStatus, GrpcCode, grpcFailure, statusOf, type GrpcFailure } from './grpc-status';

/**
 * Answers held before the stream is paused: HTTP/2 flow control then holds containerd back
 * (a Content.Read of a large blob is not read into memory faster than its reader takes it).
 */
const HIGH_WATER = 4 << 20;

/**
 * One streaming gRPC call on an HTTP/2 stream: length-prefixed messages out, answers in, the
 * status from the trailers. A message is written as its pieces (a prefix and the caller's
 * buffers), so a download's reads go to containerd's socket without a copy.
 */
export class H2Call {
  private readonly frames = new FrameReader();
  private readonly answers: Buffer[] = [];
  private answerBytes = 0;
  private waiting?: { resolve(b: Buffer | undefined): void; reject(e: Error): void };
  private failure?: GrpcFailure;
  private status?: number;
  private ended = false;

  constructor(private readonly stream: http2.ClientHttp2Stream) {
    stream.on('response', (headers) => this.onStatus(headers)); // a trailers-only answer
    stream.on('trailers', (trailers) => this.onStatus(trailers));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err: Error) => this.fail(grpcFailure(GrpcCode.UNAVAILABLE, err.message)));
    stream.on('close', () => {
      if (this.status === undefined) this.fail(closedWithoutStatus(stream.rstCode));
      this.finish();
    });
  }

  /**
   * Writes one message made of `pieces` (already protobuf-encoded, in order); resolves when the
   * stream can take more.
   */
  async send(pieces: readonly Buffer[]): Promise<void> {
    if (this.failure) throw this.failure;
    let size = 0;
    for (const p of pieces) size += p.length;
    this.stream.cork();
    let ok = this.stream.write(framePrefix(size));
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
    if (a) {
      this.answerBytes -= a.length;
      if (this.stream.isPaused() && this.answerBytes < HIGH_WATER / 2) this.stream.resume();
      return Promise.resolve(a);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Half-closes: no more messages from this side. */
  end(): void {
    this.stream.end();
  }

  /** Ends the call from this side; a pending next() rejects with CANCELLED. */
  cancel(): void {
    this.fail(grpcFailure(GrpcCode.CANCELLED, 'cancelled'));
    if (!this.stream.closed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  private onData(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.frames.push(chunk);
    } catch (err) {
      this.fail(err as GrpcFailure);
      this.stream.close(http2.constants.NGHTTP2_CANCEL);
      return;
    }
    for (const m of messages) this.deliver(m);
  }

  private deliver(answer: Buffer): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) return w.resolve(answer);
    this.answers.push(answer);
    this.answerBytes += answer.length;
    if (this.answerBytes > HIGH_WATER) this.stream.pause();
  }

  private onStatus(headers: http2.IncomingHttpHeaders): void {
    const s = statusOf(headers);
    if (!s || this.status !== undefined) return;
    this.status = s.code;
    if (s.code !== GrpcCode.OK) this.fail(grpcFailure(s.code, s.details));
  }

  private fail(err: GrpcFailure): void {
    if (this.failure || this.ended || this.status === GrpcCode.OK) return;
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
