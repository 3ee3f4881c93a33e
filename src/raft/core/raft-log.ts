import { CompactedError, LogUnavailableError, type LogStorage } from '../log-storage';
import type { Entry, Snapshot } from '../types';
import { Unstable } from './unstable';

/**
 * The log as the core sees it: stable entries in storage below unstable.offset, and the
 * entries not yet persisted in `unstable`. Tracks commit and applied indexes.
 */
export class RaftLog {
  readonly storage: LogStorage;
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(storage: LogStorage) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    const i = this.unstable.maybeFirstIndex();
    return i !== 0 ? i : this.storage.firstIndex();
  }

  lastIndex(): number {
    const i = this.unstable.maybeLastIndex();
    return i !== 0 ? i : this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** Term of entry i. Throws CompactedError below firstIndex-1, LogUnavailableError above lastIndex. */
  term(i: number): number {
    const t = this.unstable.maybeTerm(i);
    if (t >= 0) return t;
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new CompactedError(i);
    if (i > this.lastIndex()) throw new LogUnavailableError(i);
    return this.storage.term(i);
  }

  /** Term of entry i, or -1 when it is compacted or absent. */
  termOrNone(i: number): number {
    const t = this.unstable.maybeTerm(i);
    if (t >= 0) return t;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return -1;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof LogUnavailableError) return -1;
      throw e;
    }
  }

  matchTerm(i: number, t: number): boolean {
    return t >= 0 && this.termOrNone(i) === t;
  }

  /** Raft §5.4.1: is a log ending at (lasti, term) at least as up-to-date as ours? */
  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries (Raft §5.3): if our entry at `index` has `logTerm`,
   * append ents (dropping any conflicting suffix), advance commit and return the last new
   * index; otherwise -1.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number {
    if (!this.matchTerm(index, logTerm)) return -1;
    const lastnewi = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) throw new Error(`raft: entry ${ci} conflicts with committed entry ${this.committed}`);
      this.append(ci === ents[0].index ? ents : ents.slice(ci - ents[0].index));
    }
    this.commitTo(Math.min(committed, lastnewi));
    return lastnewi;
  }

  /** First index among ents whose term differs from ours (or is new); 0 if all match. */
  findConflict(ents: readonly Entry[]): number {
    for (let k = 0; k < ents.length; k++) {
      if (!this.matchTerm(ents[k].index, ents[k].term)) return ents[k].index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index <= `index` whose term is <= `term`, with that term
   * (0 when unknown), so that a whole term of mismatching entries is skipped at once.
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (; index > 0; index--) {
      const t = this.termOrNone(index);
      if (t < 0) return [index, 0];
      if (t <= term) return [index, t];
    }
    return [0, 0];
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    if (ents[0].index - 1 < this.committed) {
      throw new Error(`raft: append after ${ents[0].index - 1} is below committed ${this.committed}`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(c: number): void {
    if (c <= this.committed) return;
    if (c > this.lastIndex()) throw new Error(`raft: commit ${c} is out of range [last ${this.lastIndex()}]`);
    this.committed = c;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (i > this.committed || i < this.applied) {
      throw new Error(`raft: applied ${i} is out of range [prev ${this.applied}, committed ${this.committed}]`);
    }
    this.applied = i;
  }

  /** Raft §5.4.2 (Figure 8): commit maxIndex only if that entry is from the current term. */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrNone(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** Entries [lo, hi) totalling at most maxBytes (at least one). Throws CompactedError below firstIndex. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo >= hi) return [];
    const first = this.firstIndex();
    if (lo < first) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new LogUnavailableError(hi - 1);
    const off = this.unstable.offset;
    let out: Entry[];
    if (lo < off) {
      out = this.storage.entries(lo, Math.min(hi, off), maxBytes);
      if (out.length < Math.min(hi, off) - lo || hi <= off) return out; // size limit hit or all from storage
      const more = this.unstable.slice(off, hi);
      for (let k = 0; k < more.length; k++) out.push(more[k]);
    } else {
      out = this.unstable.slice(lo, hi);
    }
    return limitSize(out, maxBytes);
  }

  /** Entries from i to the end, at most maxBytes. */
  entriesFrom(i: number, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  /** Committed entries not yet applied, none while a snapshot is waiting to be installed. */
  hasNextCommittedEnts(): boolean {
    if (this.unstable.snapshot) return false;
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  nextCommittedEnts(maxBytes: number): Entry[] {
    if (!this.hasNextCommittedEnts()) return [];
    const off = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(off, this.committed + 1, maxBytes);
  }

  /** Installs a snapshot from the leader: the log becomes the snapshot alone. */
  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }
}

function limitSize(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length <= 1) return ents;
  let size = ents[0].data.length;
  for (let k = 1; k < ents.length; k++) {
    size += ents[k].data.length;
    if (size > maxBytes) {
      ents.length = k;
      return ents;
    }
  }
  return ents;
}
