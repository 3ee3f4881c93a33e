import type { Entry, Snapshot } from '../types';

/**
 * Entries (and possibly a snapshot) that the core produced but the driver has not yet
 * persisted. entries[k] has index offset + k. Everything below offset lives in storage.
 */
export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** Index of the first entry if only a snapshot is present. */
  maybeFirstIndex(): number {
    return this.snapshot ? this.snapshot.metadata.index + 1 : 0;
  }

  /** Last index held here, or 0 when it holds nothing. */
  maybeLastIndex(): number {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.metadata.index : 0;
  }

  /** Term of entry i if held here, else -1. */
  maybeTerm(i: number): number {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.metadata.index === i) return this.snapshot.metadata.term;
      return -1;
    }
    const k = i - this.offset;
    return k < this.entries.length ? this.entries[k].term : -1;
  }

  /** The driver persisted entries up to (i, t): drop them from here. */
  stableTo(i: number, t: number): void {
    if (i < this.offset) return;
    if (this.maybeTerm(i) !== t) return; // replaced by a newer leader since the Ready
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  /** Appends ents (contiguous), truncating any conflicting suffix first. */
  truncateAndAppend(ents: readonly Entry[]): void {
    const after = ents[0].index;
    if (after === this.offset + this.entries.length) {
      for (let k = 0; k < ents.length; k++) this.entries.push(ents[k]);
    } else if (after <= this.offset) {
      // Replaces everything here; storage entries at or above `after` are shadowed.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries.length = after - this.offset;
      for (let k = 0; k < ents.length; k++) this.entries.push(ents[k]);
    }
  }

  /** Entries [lo, hi), which must be within this buffer. */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
