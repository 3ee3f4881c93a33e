import { GrpcCode, grpcFailure } from './grpc-status';

/** The 5-byte prefix of a gRPC message: not compressed, then its length. */
export function framePrefix(size: number): Buffer {
  const prefix = Buffer.allocUnsafe(5);
  prefix[0] = 0;
  prefix.writeUInt32BE(size, 1);
  return prefix;
}

/**
 * Splits an HTTP/2 body into gRPC messages. Chunks are joined only once a whole message is in,
 * so a message of a megabyte arriving in 16 KiB frames is copied once, not once per frame.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private bytes = 0;

  /** Takes a chunk; returns the messages it completes. Throws on a compressed message. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    const out: Buffer[] = [];
    while (this.bytes >= 5) {
      if (this.chunks[0].length < 5) this.chunks = [Buffer.concat(this.chunks, this.bytes)];
      const head = this.chunks[0];
      if (head[0] !== 0) throw grpcFailure(GrpcCode.INTERNAL, 'compressed messages are not supported');
      const len = head.readUInt32BE(1);
      if (this.bytes < 5 + len) break;
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks, this.bytes);
      out.push(all.subarray(5, 5 + len));
      const rest = all.subarray(5 + len);
      this.chunks = rest.length ? [rest] : [];
      this.bytes = rest.length;
    }
    return out;
  }

  /** Bytes of a message begun and not finished. */
  get pending(): number {
    return this.bytes;
  }
}
