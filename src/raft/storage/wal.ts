/**
 * The segmented write-ahead log: wal/<seq hex16>.wal files, each preallocated with zeros so
 * that an fdatasync after a write has no file size to update. The next segment is prepared in
 * the background while the current one fills. Every segment starts with the latest hard state
 * and snapshot marker, so sealed segments can be deleted once a snapshot covers their entries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FatalStorageError } from './errors';
import { RECORD_HEADER, frameRecord, padded, parseSegment, type RawRecord } from './wal-record';
import { fsyncDir } from './snapshot-file';

const fdatasync = promisify(fs.fdatasync);
const SEGMENT = /^([0-9a-f]{16})\.wal$/;
const PREPARING = 'next.wal.tmp';
const ZEROS = Buffer.alloc(1 << 20);

export interface WalOptions {
  /** Bytes preallocated per segment. Default 64 MiB. */
  segmentBytes?: number;
  /** Called with the duration of each fdatasync, in seconds (for metrics). */
  onFsync?: (seconds: number) => void;
  /**
   * fdatasync on the calling thread instead of libuv's pool. Saves a thread hand-off per
   * batch (lower latency when the CPU is contended); the event loop waits during the sync.
   * Applies to append(); flush() always syncs on the pool. Default false.
   */
  blockingFsync?: boolean;
}

interface Segment {
  seq: number;
  file: string;
  /** Highest entry index written to it (0 if none). */
  maxIndex: number;
}

/** One recovered segment's records, with the buffer they point into. */
export interface RecoveredSegment {
  readonly buf: Buffer;
  readonly records: RawRecord[];
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

function preallocate(file: string, bytes: number): void {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    for (let off = 0; off < bytes; off += ZEROS.length)
      fs.writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, bytes - off), off);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

async function preallocateAsync(file: string, bytes: number): Promise<void> {
  const fh = await fs.promises.open(file, 'w', 0o600);
  try {
    for (let off = 0; off < bytes; off += ZEROS.length)
      await fh.write(ZEROS, 0, Math.min(ZEROS.length, bytes - off), off);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

export class Wal {
  private readonly segmentBytes: number;
  private readonly segments: Segment[] = [];
  private fd = -1;
  private offset = 0;
  private preparing: Promise<void> | undefined;
  private readonly readFds = new Map<number, number>();
  /** The background fdatasync in flight, and the one queued behind it for writes made meanwhile. */
  private flushing: Promise<void> | undefined;
  private flushQueued: Promise<void> | undefined;
  private failed: FatalStorageError | undefined;
  /** Payloads (kind byte first) rewritten at the head of each new segment. */
  headRecords: () => Buffer[] = () => [];

  private constructor(
    readonly dir: string,
    private readonly opts: WalOptions,
  ) {
    this.segmentBytes = opts.segmentBytes ?? 64 << 20;
  }

  /**
   * Opens (creating if needed) the WAL in `dir` and returns its records, oldest first. A torn
   * tail in the last segment is cut off (zeroed and synced); damage elsewhere throws WalCorruptError.
   */
  static open(dir: string, opts: WalOptions = {}): { wal: Wal; segments: RecoveredSegment[] } {
    fs.mkdirSync(dir, { recursive: true });
    const wal = new Wal(dir, opts);
    fs.rmSync(path.join(dir, PREPARING), { force: true });
    const names = fs
      .readdirSync(dir)
      .filter((n) => SEGMENT.test(n))
      .sort();
    const out: RecoveredSegment[] = [];
    names.forEach((n, i) => {
      const file = path.join(dir, n);
      const buf = fs.readFileSync(file);
      const isLast = i === names.length - 1;
      const { records, end, torn } = parseSegment(buf, n, isLast);
      wal.segments.push({ seq: parseInt(n.slice(0, 16), 16), file, maxIndex: 0 });
      out.push({ buf, records });
      if (isLast) {
        wal.fd = fs.openSync(file, 'r+');
        wal.offset = end;
        if (torn) {
          // Zero the damaged tail so that later writes never sit before stale garbage.
          const len = Math.max(0, Math.min(buf.length, wal.segmentBytes) - end);
          for (let off = 0; off < len; off += ZEROS.length)
            fs.writeSync(wal.fd, ZEROS, 0, Math.min(ZEROS.length, len - off), end + off);
          if (buf.length > wal.segmentBytes) fs.ftruncateSync(wal.fd, Math.max(end, wal.segmentBytes));
          fs.fdatasyncSync(wal.fd);
        }
      }
    });
    if (wal.segments.length === 0) {
      const file = path.join(dir, `${hex16(1)}.wal`);
      preallocate(file, wal.segmentBytes);
      fsyncDir(dir);
      wal.segments.push({ seq: 1, file, maxIndex: 0 });
      wal.fd = fs.openSync(file, 'r+');
      wal.offset = 0;
    }
    return { wal, segments: out };
  }

  /** Records, per recovered segment, the highest entry index it holds (so trimming knows what it covers). */
  noteRecoveredMaxIndex(segmentNo: number, maxIndex: number): void {
    const s = this.segments[segmentNo];
    if (s && maxIndex > s.maxIndex) s.maxIndex = maxIndex;
  }

  /**
   * Starts preallocating the next segment. Only once the active one is half full: writing
   * 64 MiB of zeros competes with the fdatasyncs of live traffic, so it should happen rarely
   * and well before it is needed, not at every start.
   */
  private prepareNext(): void {
    const file = path.join(this.dir, PREPARING);
    this.preparing = preallocateAsync(file, this.segmentBytes).catch((err) => {
      this.failed ??= new FatalStorageError('preallocating a segment', { cause: err });
    });
  }

  private check(): void {
    if (this.failed) throw this.failed;
  }

  /**
   * Appends records (payloads starting with their kind byte) with one positional write; if
   * `sync`, one fdatasync. Resolves once durable. Any I/O failure is fatal for this WAL.
   */
  async append(payloads: Buffer[], maxIndex: number, sync: boolean): Promise<{ seq: number; offset: number }> {
    this.check();
    let size = 0;
    for (const p of payloads) size += RECORD_HEADER + padded(p.length);
    if (this.offset + size > this.segmentBytes && this.offset > 0) await this.cut();
    const buf = Buffer.allocUnsafe(size);
    let pos = 0;
    for (const p of payloads) pos = frameRecord(buf, pos, p);
    const seg = this.segments[this.segments.length - 1];
    const at = { seq: seg.seq, offset: this.offset };
    try {
      let off = 0;
      while (off < size) off += fs.writeSync(this.fd, buf, off, size - off, this.offset + off);
      this.offset += size;
      if (maxIndex > seg.maxIndex) seg.maxIndex = maxIndex;
      if (!this.preparing && this.offset > this.segmentBytes / 2) this.prepareNext();
      if (sync) await this.sync();
      return at;
    } catch (err) {
      this.failed ??= err instanceof FatalStorageError ? err : new FatalStorageError('wal write', { cause: err });
      throw this.failed;
    }
  }

  private async sync(): Promise<void> {
    const t0 = process.hrtime.bigint();
    try {
      if (this.opts.blockingFsync) fs.fdatasyncSync(this.fd);
      else await fdatasync(this.fd);
    } catch (err) {
      this.failed ??= new FatalStorageError('wal fdatasync', { cause: err });
      throw this.failed;
    }
    this.opts.onFsync?.(Number(process.hrtime.bigint() - t0) / 1e9);
  }

  /**
   * Makes every write so far durable with an fdatasync on libuv's pool, so the event loop
   * keeps running meanwhile. Calls made while one is in flight share the next one.
   */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.syncInPool().finally(() => {
        this.flushing = undefined;
      });
      return this.flushing;
    }
    this.flushQueued ??= this.flushing.then(() => {
      this.flushQueued = undefined;
      return this.flush();
    });
    return this.flushQueued;
  }

  private async syncInPool(): Promise<void> {
    this.check();
    const t0 = process.hrtime.bigint();
    try {
      await fdatasync(this.fd);
    } catch (err) {
      this.failed ??= new FatalStorageError('wal fdatasync', { cause: err });
      throw this.failed;
    }
    this.opts.onFsync?.(Number(process.hrtime.bigint() - t0) / 1e9);
  }

  /** Seals the active segment (synced) and switches to the preallocated next one. */
  private async cut(): Promise<void> {
    if (!this.preparing) this.prepareNext();
    await this.preparing;
    this.preparing = undefined;
    // A background fdatasync must not outlive the descriptor it syncs; from here on the switch
    // is synchronous, and the sync of the sealed segment below covers every write to it.
    while (this.flushing) await this.flushing.catch(() => {});
    this.check();
    try {
      fs.fdatasyncSync(this.fd);
      fs.closeSync(this.fd);
      const seq = this.segments[this.segments.length - 1].seq + 1;
      const file = path.join(this.dir, `${hex16(seq)}.wal`);
      fs.renameSync(path.join(this.dir, PREPARING), file);
      fsyncDir(this.dir);
      this.segments.push({ seq, file, maxIndex: 0 });
      this.fd = fs.openSync(file, 'r+');
      this.offset = 0;
    } catch (err) {
      this.failed ??= new FatalStorageError('cutting a wal segment', { cause: err });
      throw this.failed;
    }
    const head = this.headRecords();
    if (head.length > 0) {
      let size = 0;
      for (const p of head) size += RECORD_HEADER + padded(p.length);
      const buf = Buffer.allocUnsafe(size);
      let pos = 0;
      for (const p of head) pos = frameRecord(buf, pos, p);
      fs.writeSync(this.fd, buf, 0, size, 0);
      this.offset = size;
    }
  }

  /** Deletes sealed segments whose entries are all at or below `index` (covered by a snapshot). */
  releaseTo(index: number): number {
    let n = 0;
    while (this.segments.length > 1 && this.segments[0].maxIndex <= index) {
      const s = this.segments.shift()!;
      const fd = this.readFds.get(s.seq);
      if (fd !== undefined) fs.closeSync(fd);
      this.readFds.delete(s.seq);
      fs.rmSync(s.file, { force: true });
      n++;
    }
    if (n > 0) fsyncDir(this.dir);
    return n;
  }

  /** Reads `len` bytes at `offset` of segment `seq` (data of entries no longer kept in memory). */
  readAt(seq: number, offset: number, len: number): Buffer {
    this.check();
    let fd = this.readFds.get(seq);
    if (fd === undefined) {
      const s = this.segments.find((x) => x.seq === seq);
      if (!s) throw new FatalStorageError(`segment ${seq} is gone but still referenced`);
      fd = fs.openSync(s.file, 'r');
      this.readFds.set(seq, fd);
    }
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(fd, buf, got, len - got, offset + got);
      if (n === 0) throw new FatalStorageError(`short read in segment ${seq} at ${offset}`);
      got += n;
    }
    return buf;
  }

  /** Sequence number of the i-th live segment (recovery order). */
  segmentSeq(i: number): number {
    return this.segments[i].seq;
  }

  segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    await this.preparing;
    await this.flushQueued?.catch(() => {});
    await this.flushing?.catch(() => {});
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}
