/**
 * Flow control for one follower: the App messages in flight (by last index) and their
 * bytes, in a ring buffer so that the hot path allocates nothing.
 */
export class Inflights {
  private start = 0;
  count = 0;
  bytes = 0;
  private readonly idx: Float64Array;
  private readonly sizes: Float64Array;

  constructor(
    readonly size: number,
    readonly maxBytes: number,
  ) {
    this.idx = new Float64Array(size);
    this.sizes = new Float64Array(size);
  }

  /** Records an App message whose last entry is `index`, carrying `bytes` of data. */
  add(index: number, bytes: number): void {
    if (this.full()) throw new Error('raft: cannot add into a full inflights');
    let next = this.start + this.count;
    if (next >= this.size) next -= this.size;
    this.idx[next] = index;
    this.sizes[next] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees the messages acknowledged by a match up to `to`. */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.idx[this.start]) return;
    let i = this.start;
    let n = 0;
    let b = 0;
    while (n < this.count && this.idx[i] <= to) {
      b += this.sizes[i];
      n++;
      if (++i >= this.size) i = 0;
    }
    this.count -= n;
    this.bytes -= b;
    this.start = this.count === 0 ? 0 : i;
  }

  full(): boolean {
    return this.count === this.size || (this.maxBytes !== 0 && this.bytes >= this.maxBytes);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
