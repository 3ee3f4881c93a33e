import { CompactedError, LogUnavailableError, type LogStorage } from '../log-storage';
import { EntryType, type ConfState, type Entry, type HardState, type Snapshot } from '../types';

const EMPTY = new Uint8Array(0);

/**
 * An in-memory LogStorage, for tests and the simulator. The driver writes into it what a
 * Ready handed out (append, setHardState, applySnapshot) before calling advance().
 * ents[0] is a dummy entry standing for the snapshot's index and term.
 */
export class MemoryStorage implements LogStorage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot = { metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: EMPTY };
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  hardStateNow(): HardState {
    return this.hardState;
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new LogUnavailableError(hi - 1);
    if (lo >= hi) return [];
    let end = lo - offset + 1;
    let size = this.ents[lo - offset].data.length;
    const stop = hi - offset;
    while (end < stop) {
      size += this.ents[end].data.length;
      if (size > maxBytes) break;
      end++;
    }
    return this.ents.slice(lo - offset, end);
  }

  term(i: number): number {
    const offset = this.ents[0].index;
    if (i < offset) throw new CompactedError(i);
    if (i - offset >= this.ents.length) throw new LogUnavailableError(i);
    return this.ents[i - offset].term;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole content with a snapshot received from the leader. Older snapshots are ignored. */
  applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.snap.metadata.index) return;
    this.snap = snap;
    this.ents = [{ term: snap.metadata.term, index: snap.metadata.index, type: EntryType.Normal, data: EMPTY }];
  }

  /** Records a snapshot of the state machine at `index` (<= lastIndex); does not drop entries (see compact). */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new RangeError(`raft: snapshot index ${index} is not newer`);
    if (index > this.lastIndex()) throw new LogUnavailableError(index);
    this.snap = { metadata: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Drops entries up to and including `index`, keeping it as the dummy entry. */
  compact(index: number): void {
    const offset = this.ents[0].index;
    if (index <= offset) return;
    if (index > this.lastIndex()) throw new LogUnavailableError(index);
    const i = index - offset;
    const head: Entry = { term: this.ents[i].term, index, type: EntryType.Normal, data: EMPTY };
    this.ents = this.ents.slice(i);
    this.ents[0] = head;
  }

  /** Appends entries, overwriting a conflicting tail. Entries already compacted are skipped. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[entries.length - 1].index;
    if (last < first) return;
    let src = entries;
    if (first > entries[0].index) src = entries.slice(first - entries[0].index);
    const at = src[0].index - this.ents[0].index;
    if (at > this.ents.length)
      throw new RangeError(`raft: missing log entry [last: ${this.lastIndex()}, append at: ${src[0].index}]`);
    if (at < this.ents.length) this.ents.length = at;
    for (let k = 0; k < src.length; k++) this.ents.push(src[k]);
  }
}
