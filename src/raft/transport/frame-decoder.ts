/**
 * Splits a byte stream into frames of [u32 length][payload]. Payloads that arrive whole in
 * one chunk are handed out as views without copying.
 */
import { DecodeError } from '../storage/codec';

export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds a chunk; calls `onFrame` for each complete payload. Throws DecodeError on an oversized frame. */
  push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      // Large frames arrive in many chunks: gather until the frame is whole, then copy once.
      const total = this.pendingBytes + chunk.length;
      const head = this.pending[0];
      if (head.length >= 4 && total < head.readUInt32LE(0) + 4) {
        this.pending.push(chunk);
        this.pendingBytes = total;
        return;
      }
      this.pending.push(chunk);
      buf = Buffer.concat(this.pending, this.pendingBytes + chunk.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let p = 0;
    while (buf.length - p >= 4) {
      const len = buf.readUInt32LE(p);
      if (len > this.maxFrameBytes) throw new DecodeError(`frame of ${len} bytes exceeds ${this.maxFrameBytes}`);
      if (buf.length - p - 4 < len) break;
      onFrame(buf.subarray(p + 4, p + 4 + len));
      p += 4 + len;
    }
    if (p < buf.length) {
      const rest = buf.subarray(p);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
  }
}
