/**
 * MemoryStore: the cluster's objects in memory, changed only by applying batches in log
 * order. Reads are synchronous views; writes are batches proposed through a Proposer (raft)
 * and applied by every member's StoreStateMachine, or applied here at once when there is no
 * proposer (tests, a single process). See README.md for the contract.
 */
import { TsswarmError } from '../api';
import { applyBatch, type UniqueKeys } from './apply-batch';
import { isApplyResult, type ApplyResult } from './apply-result';
import { decodeBatch, encodeBatch } from './batch-codec';
import {
  BatchTooLargeError,
  CorruptDataError,
  InvalidObjectError,
  ProposalFailedError,
  WatchResetError,
} from './errors';
import { KINDS, type Kind } from './kinds';
import { ObjectTable } from './object-table';
import type { Proposer } from './proposer';
import { TableReadTx, type ReadTx } from './read-tx';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec';
import type { WatchFilter } from './store-event';
import { Watcher } from './watcher';
import { BatchWriteTx, type WriteTx } from './write-tx';

export interface StoreOptions {
  /** Where batches go to be replicated. Default null: apply locally with a local index counter. */
  proposer?: Proposer | null;
  /** Largest encoded batch accepted, in bytes. Default 1.5 MiB (a raft entry must stay well under the transport's frame limit). */
  maxBatchBytes?: number;
  /** Default bound of each watcher's queue, in events. Default 10000. */
  watchQueueLimit?: number;
  /** The writer's clock, in ms since the epoch, read once per batch on the proposing member. Default Date.now. */
  now?: () => number;
  /**
   * Per kind, keys no two of its objects may share (a network's subnet), checked when a batch
   * applies: what a writer allocated from its own view may have been taken meanwhile by another
   * (UniqueKeyConflictError). Every member must be given the same.
   */
  uniqueKeys?: UniqueKeys;
}

export const DEFAULT_MAX_BATCH_BYTES = 1.5 * 1024 * 1024;
export const DEFAULT_WATCH_QUEUE_LIMIT = 10000;

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`store: ${name} must be a positive integer, got ${v}`);
  return v;
}

function emptyTables(): Map<Kind, ObjectTable> {
  return new Map(KINDS.map((k) => [k, new ObjectTable(k)]));
}

export class MemoryStore {
  private tables = emptyTables();
  private applied = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly proposer: Proposer | null;
  private readonly maxBatchBytes: number;
  private readonly watchQueueLimit: number;
  private readonly now: () => number;
  private readonly uniqueKeys: UniqueKeys;
  private closed = false;

  constructor(opts: StoreOptions = {}) {
    this.proposer = opts.proposer ?? null;
    this.maxBatchBytes = positiveInt('maxBatchBytes', opts.maxBatchBytes, DEFAULT_MAX_BATCH_BYTES);
    this.watchQueueLimit = positiveInt('watchQueueLimit', opts.watchQueueLimit, DEFAULT_WATCH_QUEUE_LIMIT);
    this.now = opts.now ?? Date.now;
    this.uniqueKeys = opts.uniqueKeys ?? {};
  }

  /** The raft index of the last entry applied (or of the snapshot restored). */
  get index(): number {
    return this.applied;
  }

  /** Runs `fn` on a consistent read-only view; `fn` must be synchronous. */
  view<T>(fn: (tx: ReadTx) => T): T {
    const tx = new TableReadTx(this.tables, this.applied);
    try {
      return notAsync(fn(tx));
    } finally {
      tx.close();
    }
  }

  /**
   * Runs `fn` on a write transaction and commits what it wrote as one batch (one raft entry).
   * Resolves with fn's value once the batch is applied on this member, so a view right after
   * sees it. Rejects, with nothing of the batch applied, with what fn threw, BatchTooLargeError
   * (before proposing), SequenceConflictError, NameConflictError, ObjectExistsError,
   * ObjectNotFoundError (at apply) or ProposalFailedError. `fn` must be synchronous; a batch
   * with no mutation proposes nothing.
   */
  async update<T>(fn: (tx: WriteTx) => T): Promise<T> {
    if (this.closed) throw new ProposalFailedError('store: closed');
    const base = new TableReadTx(this.tables, this.applied);
    const tx = new BatchWriteTx(base);
    let value: T;
    try {
      value = notAsync(fn(tx));
    } finally {
      base.close();
    }
    if (tx.mutations.length === 0) return value;
    const data = encodeBatch({ time: new Date(this.now()).toISOString(), mutations: tx.mutations });
    if (data.length > this.maxBatchBytes)
      throw new BatchTooLargeError(data.length, this.maxBatchBytes, tx.mutations.length);
    let result: unknown;
    if (this.proposer) {
      try {
        result = await this.proposer.propose(data);
      } catch (err) {
        throw err instanceof TsswarmError
          ? err
          : new ProposalFailedError(`store: proposal failed: ${(err as Error).message}`, { cause: err });
      }
    } else result = this.apply(this.applied + 1, data);
    if (!isApplyResult(result)) throw new ProposalFailedError('store: the proposer did not return an apply result');
    if (result.error) throw result.error;
    return value;
  }

  /**
   * Applies one committed entry; every member calls this with the same (index, data) in the
   * same order. Never throws: a refused batch (conflict, stale version, malformed entry) is
   * reported in the result and leaves the objects as they were. Entries at or below the
   * current index were applied already and are ignored.
   */
  apply(index: number, data: Uint8Array): ApplyResult {
    if (!Number.isSafeInteger(index) || index <= this.applied) return { index };
    this.applied = index;
    let events;
    try {
      events = applyBatch(this.tables, decodeBatch(data), index, this.uniqueKeys);
    } catch (err) {
      return {
        index,
        error:
          err instanceof TsswarmError
            ? err
            : new CorruptDataError(`store entry ${index}: ${String(err)}`, { cause: err }),
      };
    }
    for (const w of this.watchers) w.deliver(events, index);
    return { index };
  }

  /**
   * Starts a change feed of the batches applied from now on. Stops at `signal`'s abort or
   * close(). See Watcher for the overflow rule.
   */
  watch(filter: WatchFilter = {}, signal?: AbortSignal): Watcher {
    const w = new Watcher(filter, this.watchQueueLimit, (x) => this.watchers.delete(x), signal);
    if (!w.closed && !this.closed) this.watchers.add(w);
    else w.close();
    return w;
  }

  /**
   * A view and a watch started at the same point: the watcher yields exactly the batches
   * after `index`, with no gap and no overlap with what `fn` saw.
   */
  viewAndWatch<T>(
    fn: (tx: ReadTx) => T,
    filter: WatchFilter = {},
    signal?: AbortSignal,
  ): { result: T; index: number; watcher: Watcher } {
    // Nothing is applied between the two statements: apply runs only between turns of the event loop.
    const result = this.view(fn);
    return { result, index: this.applied, watcher: this.watch(filter, signal) };
  }

  /** The whole state, deterministically encoded (the StateMachine's snapshot). */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.tables, this.applied);
  }

  /**
   * Replaces the whole state with a snapshot's, at raft index `index`. The new state is built
   * aside and swapped in at once; on a corrupt snapshot it throws CorruptDataError and keeps
   * the old state. Watchers are closed with WatchResetError (they cannot be told the
   * difference as events) and must resync.
   */
  restore(data: Uint8Array, index: number): void {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new RangeError(`store: restore index must be >= 0, got ${index}`);
    const { tables } = decodeSnapshot(data);
    this.tables = tables;
    this.applied = index;
    for (const w of [...this.watchers]) w.fail(new WatchResetError(`store restored from a snapshot at index ${index}`));
  }

  /** Ends every watch and refuses further updates. Idempotent. */
  close(): void {
    this.closed = true;
    for (const w of [...this.watchers]) w.close();
  }
}

function notAsync<T>(v: T): T {
  if (v && typeof (v as { then?: unknown }).then === 'function')
    throw new InvalidObjectError('store: view and update callbacks must be synchronous');
  return v;
}
