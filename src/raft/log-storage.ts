import type { ConfState, Entry, HardState, Snapshot } from './types';

/**
 * What the core reads of the stable log. The core never writes through it: the driver
 * persists what Ready hands out (WAL), then makes it visible here, and only then calls
 * advance(). MemoryStorage (core) and the WAL-backed storage (storage/) both implement it.
 */
export interface LogStorage {
  /** The hard state and membership saved before the last restart. */
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most maxBytes of data (always at least one entry if any). Throws CompactedError below firstIndex. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The term of entry i; i may be firstIndex()-1 (the snapshot's index). Throws CompactedError or UnavailableError. */
  term(i: number): number;
  /** Index of the first entry still in the log (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  /** The newest snapshot; the core asks for it when a follower needs entries already compacted. */
  snapshot(): Snapshot;
}

/** The requested index was compacted away into a snapshot. */
export class CompactedError extends Error {
  constructor(index: number) {
    super(`raft: index ${index} is compacted`);
    this.name = 'CompactedError';
  }
}

/** The requested index is beyond the last entry. */
export class LogUnavailableError extends Error {
  constructor(index: number) {
    super(`raft: index ${index} is unavailable`);
    this.name = 'LogUnavailableError';
  }
}
