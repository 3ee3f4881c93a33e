/**
 * Storage errors. raft-ts imports nothing of the project, so these extend Error with a stable
 * `code`, in the same shape as the project's typed errors.
 */

/** The WAL or a snapshot file holds damaged data that is not a torn tail: the node must not start. */
export class WalCorruptError extends Error {
  readonly code = 'RAFT_WAL_CORRUPT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`raft: wal corrupt: ${message}`, options);
    this.name = 'WalCorruptError';
  }
}

/**
 * A write or fsync failed. The data may or may not be on disk, so the node must stop: carrying
 * on would acknowledge writes that a crash could lose. Every later call on the storage throws it.
 */
export class FatalStorageError extends Error {
  readonly code = 'RAFT_STORAGE_FATAL';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`raft: fatal storage error: ${message}`, options);
    this.name = 'FatalStorageError';
  }
}
