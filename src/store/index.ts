/**
 * src/store: the replicated cluster object store. Pure TypeScript over raft-ts: objects,
 * indexes, transactions, watches, snapshots. See README.md.
 */
export { MemoryStore, DEFAULT_MAX_BATCH_BYTES, DEFAULT_WATCH_QUEUE_LIMIT, type StoreOptions } from './memory-store';
export type { ObjectKeys, UniqueKeys } from './apply-batch';
export { KINDS, UNIQUE_NAME_KINDS, isKind, nameOf, labelsOf, type Kind, type ObjectOf, type AnyObject } from './kinds';
export type { ReadTx } from './read-tx';
export type { WriteTx, NewObject } from './write-tx';
export type { FindFilter } from './find-filter';
export type { ObjectAction, ObjectEvent, ObjectEventOf, CommitEvent, StoreEvent, WatchFilter } from './store-event';
export { Watcher } from './watcher';
export type { Proposer } from './proposer';
export { RaftProposer, NO_LEADER_MESSAGE } from './raft-proposer';
export { StoreStateMachine } from './store-state-machine';
export type { ApplyResult } from './apply-result';
export { encodeBatch, decodeBatch, type Batch, type Mutation } from './batch-codec';
export { newObjectId } from './object-id';
export * from './errors';
