/**
 * Compact little-endian binary encoding of raft's data (entries, hard state, snapshots),
 * shared by the WAL and the transport. Integers up to 2^53 are written as two u32 halves.
 */
import type { ConfState, Entry, EntryType, HardState, Snapshot, SnapshotMetadata } from '../types';

const TWO32 = 0x100000000;

/** A growable byte buffer. */
export class BinaryWriter {
  buf: Buffer;
  pos = 0;
  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  /** A non-negative integer below 2^53. */
  u64(v: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(v % TWO32, this.pos);
    this.buf.writeUInt32LE(Math.floor(v / TWO32), this.pos + 4);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.raw(b);
  }
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** A view of what was written (shares memory with the writer until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Thrown when encoded data ends early or holds an impossible value. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(`raft: decode: ${message}`);
    this.name = 'DecodeError';
  }
}

export class BinaryReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  private need(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError(`need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readUInt32LE(this.pos) + this.buf.readUInt32LE(this.pos + 4) * TWO32;
    this.pos += 8;
    return v;
  }
  /** Length-prefixed bytes; a view into the source buffer (no copy). */
  bytes(): Buffer {
    const n = this.u32();
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  remaining(): number {
    return this.end - this.pos;
  }
}

export function writeEntry(w: BinaryWriter, e: Entry): void {
  w.ensure(21 + e.data.length);
  w.u64(e.term);
  w.u64(e.index);
  w.u8(e.type);
  w.bytes(e.data);
}

export function readEntry(r: BinaryReader): Entry {
  const term = r.u64();
  const index = r.u64();
  const type = r.u8() as EntryType;
  const data = r.bytes();
  return { term, index, type, data };
}

export function writeHardState(w: BinaryWriter, hs: HardState): void {
  w.u64(hs.term);
  w.u64(hs.vote);
  w.u64(hs.commit);
}

export function readHardState(r: BinaryReader): HardState {
  return { term: r.u64(), vote: r.u64(), commit: r.u64() };
}

export function writeConfState(w: BinaryWriter, cs: ConfState): void {
  w.u32(cs.voters.length);
  for (const v of cs.voters) w.u64(v);
  w.u32(cs.learners.length);
  for (const v of cs.learners) w.u64(v);
}

export function readConfState(r: BinaryReader): ConfState {
  const voters: number[] = [];
  for (let n = r.u32(); n > 0; n--) voters.push(r.u64());
  const learners: number[] = [];
  for (let n = r.u32(); n > 0; n--) learners.push(r.u64());
  return { voters, learners };
}

export function writeSnapshotMetadata(w: BinaryWriter, m: SnapshotMetadata): void {
  w.u64(m.index);
  w.u64(m.term);
  writeConfState(w, m.confState);
}

export function readSnapshotMetadata(r: BinaryReader): SnapshotMetadata {
  const index = r.u64();
  const term = r.u64();
  return { index, term, confState: readConfState(r) };
}

export function writeSnapshot(w: BinaryWriter, s: Snapshot): void {
  writeSnapshotMetadata(w, s.metadata);
  w.bytes(s.data);
}

export function readSnapshot(r: BinaryReader): Snapshot {
  const metadata = readSnapshotMetadata(r);
  return { metadata, data: r.bytes() };
}
