/**
 * Lets a raft-ts RaftNode drive a MemoryStore: committed entries are applied in log order,
 * log compaction takes the store's snapshot, and a restart or an InstallSnapshot restores it.
 * apply never throws (a throw would stop the raft node); refused batches come back to the
 * proposer as ApplyResult.error.
 */
import type { StateMachine } from '../raft';
import type { ApplyResult } from './apply-result';
import type { MemoryStore } from './memory-store';

export class StoreStateMachine implements StateMachine {
  constructor(readonly store: MemoryStore) {}

  apply(entry: { readonly index: number; readonly term: number; readonly data: Buffer }): ApplyResult {
    return this.store.apply(entry.index, entry.data);
  }

  snapshot(): Uint8Array {
    return this.store.snapshot();
  }

  restore(data: Uint8Array, index: number): void {
    this.store.restore(data, index);
  }
}
