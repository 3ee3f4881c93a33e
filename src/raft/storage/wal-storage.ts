/**
 * WalStorage: the durable LogStorage. Writes go to the WAL (one fdatasync per saved Ready);
 * reads come from an in-memory copy of the log since the last snapshot, rebuilt from the
 * snapshot file and the WAL on open.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompactedError, LogUnavailableError, type LogStorage } from '../log-storage';
import type { ConfState, Entry, EntryType, HardState, Snapshot } from '../types';
import {
  BinaryReader,
  BinaryWriter,
  readEntry,
  readHardState,
  readSnapshotMetadata,
  writeEntry,
  writeHardState,
  writeSnapshotMetadata,
} from './codec';
import { FatalStorageError, WalCorruptError } from './errors';
import { listSnapshotFiles, readSnapshotFile, writeSnapshotFile, writeSnapshotFileAsync } from './snapshot-file';
import { Wal, type WalOptions } from './wal';
import { RECORD_HEADER, RecordKind } from './wal-record';

export interface WalStorageOptions extends WalOptions {
  /** Snapshot files kept besides the newest. Default 1. */
  keepOldSnapshots?: number;
  /** Committed entries kept in memory (newest first); older ones are read back from the WAL. Default 4096. */
  hotEntries?: number;
}

/** What save() persists: the durable part of a Ready. */
export interface PersistBatch {
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
}

const EMPTY_HS: HardState = { term: 0, vote: 0, commit: 0 };
const EMPTY = new Uint8Array(0);

/**
 * An entry of the in-memory log and where its data lies in the WAL. Once the entry is
 * committed and older than the hot window, `data` is dropped (null) and read back from the
 * segment on the rare occasions it is needed again (a lagging follower), so memory holds
 * only ~50 bytes per entry between snapshots.
 */
class StoredEntry {
  constructor(
    readonly term: number,
    readonly index: number,
    readonly type: EntryType,
    public data: Uint8Array | null,
    readonly seq: number,
    readonly off: number,
    readonly len: number,
  ) {}
}

export class WalStorage implements LogStorage {
  private hs: HardState = EMPTY_HS;
  private snap: Snapshot = {
    metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
    data: new Uint8Array(0),
  };
  /** ents[0] is a dummy standing for the snapshot's (index, term). */
  private ents: StoredEntry[] = [new StoredEntry(0, 0, 0, EMPTY, 0, 0, 0)];
  /** Entries at or below this index have had their data dropped from memory. */
  private cooledTo = 0;
  /** A snapshot was taken since the last save: the next WAL write records its marker. */
  private markerDue = false;
  private snapFile = '';
  private saving = false;
  /**
   * `hs` holds a commit index newer than the WAL's. A hard state that changes only the
   * commit index needs no write of its own: it rides along with the next record written (a
   * stored commit index may lag; after a restart the leader tells it again).
   */
  private hsDirty = false;
  private failed: FatalStorageError | undefined;

  private constructor(
    private readonly wal: Wal,
    private readonly snapDir: string,
    private readonly opts: WalStorageOptions,
  ) {
    wal.headRecords = () => [this.hsPayload(this.hs), this.markerPayload()];
  }

  /** Opens or creates the storage in `dir` (wal/ and snap/ inside). Recovers after a crash. */
  static open(dir: string, opts: WalStorageOptions = {}): WalStorage {
    const snapDir = path.join(dir, 'snap');
    fs.mkdirSync(snapDir, { recursive: true });
    let snap: Snapshot | undefined;
    let snapFile = '';
    for (const n of listSnapshotFiles(snapDir)) {
      snapFile = path.join(snapDir, n);
      snap = readSnapshotFile(snapFile);
      if (snap) break;
    }
    const { wal, segments } = Wal.open(path.join(dir, 'wal'), opts);
    const st = new WalStorage(wal, snapDir, opts);
    if (snap) st.resetTo(snap, snapFile);
    let markerIndex = 0;
    segments.forEach((seg, i) => {
      let max = 0;
      for (const rec of seg.records) {
        const r = new BinaryReader(seg.buf, rec.start, rec.end);
        try {
          if (rec.kind === RecordKind.HardState) st.hs = readHardState(r);
          else if (rec.kind === RecordKind.SnapshotMarker)
            markerIndex = Math.max(markerIndex, readSnapshotMetadata(r).index);
          else if (rec.kind === RecordKind.Entries) {
            const seq = wal.segmentSeq(i);
            for (let n = r.u32(); n > 0; n--) {
              const e = readEntry(r);
              max = Math.max(max, e.index);
              const off = e.data.byteOffset - seg.buf.byteOffset;
              st.recoverEntry(new StoredEntry(e.term, e.index, e.type, null, seq, off, e.data.length));
            }
          } else throw new WalCorruptError(`unknown record kind ${rec.kind}`);
        } catch (err) {
          if (err instanceof WalCorruptError) throw err;
          throw new WalCorruptError(`undecodable record in segment ${i}`, { cause: err });
        }
      }
      wal.noteRecoveredMaxIndex(i, max);
    });
    if (markerIndex > st.snap.metadata.index)
      throw new WalCorruptError(
        `the wal names a snapshot at ${markerIndex} but the newest snapshot file is at ${st.snap.metadata.index}`,
      );
    if (st.hs.commit < st.snap.metadata.index) st.hs = { ...st.hs, commit: st.snap.metadata.index };
    // Recovered data stays on disk until asked for; the hot window is reloaded lazily.
    st.cooledTo = st.lastIndex();
    return st;
  }

  private recoverEntry(e: StoredEntry): void {
    const first = this.ents[0].index;
    if (e.index <= first) return;
    const last = this.lastIndex();
    if (e.index > last + 1) throw new WalCorruptError(`gap in the log: entry ${e.index} after ${last}`);
    if (e.index <= last) this.ents.length = e.index - first;
    this.ents.push(e);
  }

  /** The snapshot's data stays in its file; snapshot() reads it back when the core needs it. */
  private setSnap(snap: Snapshot, file: string): void {
    this.snap = { metadata: snap.metadata, data: EMPTY };
    this.snapFile = file;
  }

  private resetTo(snap: Snapshot, file: string): void {
    this.setSnap(snap, file);
    this.ents = [new StoredEntry(snap.metadata.term, snap.metadata.index, 0, EMPTY, 0, 0, 0)];
  }

  private hsPayload(hs: HardState): Buffer {
    const w = new BinaryWriter(32);
    w.u8(RecordKind.HardState);
    writeHardState(w, hs);
    return w.view();
  }

  private markerPayload(): Buffer {
    const w = new BinaryWriter(64);
    w.u8(RecordKind.SnapshotMarker);
    writeSnapshotMetadata(w, this.snap.metadata);
    return w.view();
  }

  private check(): void {
    if (this.failed) throw this.failed;
  }

  // ---- LogStorage

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hs, confState: this.snap.metadata.confState };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const first = this.ents[0].index;
    if (lo <= first) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new LogUnavailableError(hi - 1);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - first];
      bytes += e.len;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e.data ? (e as Entry) : { term: e.term, index: e.index, type: e.type, data: this.readData(e) });
    }
    return out;
  }

  term(i: number): number {
    const first = this.ents[0].index;
    if (i < first) throw new CompactedError(i);
    if (i > this.lastIndex()) throw new LogUnavailableError(i);
    return this.ents[i - first].term;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    if (this.snap.metadata.index === 0) return this.snap;
    const s = readSnapshotFile(this.snapFile);
    if (!s) {
      this.failed ??= new FatalStorageError(`snapshot file ${this.snapFile} is damaged`);
      throw this.failed;
    }
    return s;
  }

  private readData(e: StoredEntry): Uint8Array {
    if (e.len === 0) return EMPTY;
    try {
      return this.wal.readAt(e.seq, e.off, e.len);
    } catch (err) {
      this.failed ??=
        err instanceof FatalStorageError ? err : new FatalStorageError('reading an entry back', { cause: err });
      throw this.failed;
    }
  }

  hardState(): HardState {
    return this.hs;
  }

  // ---- writes

  /** True if saving `b` needs an fdatasync: new entries, a snapshot, or a new term or vote (etcd's MustSync). */
  mustSync(b: PersistBatch): boolean {
    return (
      b.entries.length > 0 ||
      b.snapshot !== undefined ||
      (b.hardState !== undefined && (b.hardState.term !== this.hs.term || b.hardState.vote !== this.hs.vote))
    );
  }

  /**
   * Persists the hard state, entries and snapshot of a Ready with one write and at most one
   * fdatasync, then makes them visible to reads. Calls must not overlap. A failure is fatal:
   * the returned promise rejects with FatalStorageError and so does every later call.
   */
  save(b: PersistBatch): Promise<void> {
    return this.persist(b, this.mustSync(b));
  }

  /**
   * Like save() but without the fdatasync: the batch is written and visible to reads, and
   * durable once a later flush() (or save()) resolves. Only for entries and commit indexes:
   * a batch with a snapshot or a new term or vote must go through save().
   */
  write(b: PersistBatch): Promise<void> {
    if (b.snapshot || (b.hardState && (b.hardState.term !== this.hs.term || b.hardState.vote !== this.hs.vote)))
      return Promise.reject(new Error('raft: WalStorage.write takes neither snapshots nor term or vote changes'));
    return this.persist(b, false);
  }

  /** Makes everything written so far durable (an fdatasync off the event loop's thread). */
  async flush(): Promise<void> {
    this.check();
    try {
      await this.wal.flush();
    } catch (err) {
      this.failed ??= err instanceof FatalStorageError ? err : new FatalStorageError('flush', { cause: err });
      throw this.failed;
    }
  }

  private async persist(b: PersistBatch, sync: boolean): Promise<void> {
    this.check();
    if (this.saving) throw new Error('raft: WalStorage.save called while a save is in flight');
    this.saving = true;
    try {
      if (!sync && !b.snapshot && b.hardState && b.entries.length === 0 && !this.markerDue) {
        this.hs = b.hardState;
        this.hsDirty = true;
        this.cool();
        return;
      }
      let snapName = '';
      if (b.snapshot && b.snapshot.metadata.index > this.snap.metadata.index) {
        snapName = writeSnapshotFile(this.snapDir, b.snapshot);
      }
      const payloads: Buffer[] = [];
      let maxIndex = 0;
      const dataOffs: number[] = [];
      if (b.entries.length > 0) {
        let size = 8;
        for (const e of b.entries) size += 24 + e.data.length;
        const w = new BinaryWriter(size);
        w.u8(RecordKind.Entries);
        w.u32(b.entries.length);
        for (const e of b.entries) {
          dataOffs.push(w.pos + 21);
          writeEntry(w, e);
        }
        payloads.push(w.view());
        maxIndex = b.entries[b.entries.length - 1].index;
      }
      if (b.snapshot && b.snapshot.metadata.index > this.snap.metadata.index) {
        this.resetTo(b.snapshot, path.join(this.snapDir, snapName));
        payloads.push(this.markerPayload());
      }
      if (this.markerDue) {
        payloads.push(this.markerPayload());
        this.markerDue = false;
      }
      const hs = b.hardState ?? (this.hsDirty ? this.hs : undefined);
      if (hs) payloads.push(this.hsPayload(hs));
      const at = payloads.length > 0 ? await this.wal.append(payloads, maxIndex, sync) : { seq: 0, offset: 0 };
      if (b.hardState) this.hs = b.hardState;
      if (hs) this.hsDirty = false;
      // The entries payload is the first record of the write: its data sits after the frame header.
      const base = at.offset + RECORD_HEADER;
      for (let k = 0; k < b.entries.length; k++) {
        const e = b.entries[k];
        this.appendMem(new StoredEntry(e.term, e.index, e.type, e.data, at.seq, base + dataOffs[k], e.data.length));
      }
      this.cool();
      if (b.snapshot) this.releaseOld();
    } catch (err) {
      this.failed ??= err instanceof FatalStorageError ? err : new FatalStorageError('save', { cause: err });
      throw this.failed;
    } finally {
      this.saving = false;
    }
  }

  private appendMem(e: StoredEntry): void {
    const first = this.ents[0].index;
    if (e.index <= first) return;
    const last = this.lastIndex();
    if (e.index > last + 1) throw new FatalStorageError(`append of entry ${e.index} leaves a gap after ${last}`);
    if (e.index <= last) this.ents.length = e.index - first;
    this.ents.push(e);
  }

  /** Drops the data of committed entries older than the hot window (it stays in the WAL). */
  private cool(): void {
    const upTo = Math.min(this.hs.commit, this.lastIndex()) - (this.opts.hotEntries ?? 4096);
    const first = this.ents[0].index;
    for (let i = Math.max(this.cooledTo + 1, first + 1); i <= upTo; i++) this.ents[i - first].data = null;
    if (upTo > this.cooledTo) this.cooledTo = upTo;
  }

  /**
   * Records an application snapshot at `index` (which must be applied, hence committed):
   * writes it atomically in the background, then drops log entries up to `index` from memory,
   * deletes the segments it covers and marks it in the WAL with the next save. save() may run
   * meanwhile. A crash at any point recovers to a consistent log (the snapshot file is either
   * complete under its name or absent, and segments go only once it is durable).
   */
  async createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    this.check();
    if (index <= this.snap.metadata.index) return this.snap;
    if (index > this.lastIndex()) throw new LogUnavailableError(index);
    const snap: Snapshot = { metadata: { index, term: this.term(index), confState }, data };
    try {
      const name = await writeSnapshotFileAsync(this.snapDir, snap);
      this.check();
      // A snapshot from the leader may have been installed meanwhile.
      if (index <= this.snap.metadata.index) return this.snap;
      const first = this.ents[0].index;
      this.setSnap(snap, path.join(this.snapDir, name));
      this.ents = this.ents.slice(index - first);
      this.ents[0] = new StoredEntry(snap.metadata.term, index, 0, EMPTY, 0, 0, 0);
      this.markerDue = true;
      this.releaseOld();
    } catch (err) {
      this.failed ??= err instanceof FatalStorageError ? err : new FatalStorageError('createSnapshot', { cause: err });
      throw this.failed;
    }
    return snap;
  }

  private releaseOld(): void {
    this.wal.releaseTo(this.snap.metadata.index);
    const keep = 1 + (this.opts.keepOldSnapshots ?? 1);
    for (const n of listSnapshotFiles(this.snapDir).slice(keep)) fs.rmSync(path.join(this.snapDir, n), { force: true });
  }

  /** Number of WAL segment files (for tests and metrics). */
  segmentCount(): number {
    return this.wal.segmentCount();
  }

  async close(): Promise<void> {
    if (this.hsDirty && !this.failed) {
      this.hsDirty = false;
      await this.wal.append([this.hsPayload(this.hs)], 0, false).catch(() => undefined);
    }
    await this.wal.close();
  }
}
