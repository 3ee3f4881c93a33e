/**
 * The store's typed errors. Messages are the ones Docker (swarmkit's store and the daemon's
 * lookup helpers) prints, so the API layer can pass them through unchanged.
 */
import { TsswarmError } from '../api';

/** 409: a mutation expected a version the object no longer has (optimistic concurrency, Docker's `?version=`). */
export class SequenceConflictError extends TsswarmError {
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super('TSW_STORE_SEQUENCE_CONFLICT', 409, 'update out of sequence');
  }
}

/** 409: creating (or renaming to) a name another object of the kind already has. */
export class NameConflictError extends TsswarmError {
  constructor(
    readonly kind: string,
    readonly objectName: string,
  ) {
    super('TSW_STORE_NAME_CONFLICT', 409, 'name conflicts with an existing object');
  }
}

/**
 * 409: an object would share a key its kind keeps unique (see StoreOptions.uniqueKeys), such as
 * a network's subnet: two writers that picked it from their own views at once.
 */
export class UniqueKeyConflictError extends TsswarmError {
  constructor(
    readonly kind: string,
    readonly key: string,
  ) {
    super('TSW_STORE_KEY_CONFLICT', 409, `another ${kind} has ${key}`);
  }
}

/** 409: creating an object whose ID is taken. */
export class ObjectExistsError extends TsswarmError {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super('TSW_STORE_EXISTS', 409, 'object already exists');
  }
}

/**
 * 404: updating or deleting an object that does not exist, or a lookup that matched nothing.
 * The message is swarmkit's for mutations and the daemon's ("service x not found") for lookups.
 */
export class ObjectNotFoundError extends TsswarmError {
  constructor(
    readonly kind: string,
    readonly ref: string,
    message = 'object does not exist',
  ) {
    super('TSW_STORE_NOT_FOUND', 404, message);
  }
}

/** 400: a lookup by name or ID prefix matched more than one object (Docker's InvalidParameter). */
export class AmbiguousReferenceError extends TsswarmError {
  constructor(
    readonly kind: string,
    readonly ref: string,
    readonly matches: number,
  ) {
    super('TSW_STORE_AMBIGUOUS', 400, `${kind} ${ref} is ambiguous (${matches} matches found)`);
  }
}

/** 400: an object or call argument the store refuses before proposing (no ID, wrong kind, bad version). */
export class InvalidObjectError extends TsswarmError {
  constructor(message: string) {
    super('TSW_STORE_INVALID_OBJECT', 400, message);
  }
}

/** 400: an encoded batch is over the store's size limit; nothing was proposed. */
export class BatchTooLargeError extends TsswarmError {
  constructor(
    readonly bytes: number,
    readonly limitBytes: number,
    readonly mutations: number,
  ) {
    super(
      'TSW_STORE_BATCH_TOO_LARGE',
      400,
      `transaction too large: ${mutations} changes encode to ${bytes} bytes, over the limit of ${limitBytes} bytes`,
    );
  }
}

/**
 * 503: the write could not be committed: no leader, the proposal timed out, raft stopped.
 * A timed-out proposal may still commit later; re-read before retrying a create.
 */
export class ProposalFailedError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_STORE_PROPOSAL_FAILED', 503, message, options);
  }
}

/** 503: a watcher fell behind by more than its queue bound and was closed; resync with viewAndWatch. */
export class WatchOverflowError extends TsswarmError {
  constructor(readonly limit: number) {
    super('TSW_STORE_WATCH_OVERFLOW', 503, `watch closed: consumer fell more than ${limit} events behind`);
  }
}

/** 503: the store was replaced by a snapshot (or closed) under a watcher; resync with viewAndWatch. */
export class WatchResetError extends TsswarmError {
  constructor(reason: string) {
    super('TSW_STORE_WATCH_RESET', 503, `watch closed: ${reason}`);
  }
}

/** 500: a raft entry or snapshot that does not decode as the store's format. */
export class CorruptDataError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_STORE_CORRUPT', 500, message, options);
  }
}

/** Every store error code, for the documentation check. */
export const STORE_ERROR_CODES = [
  'TSW_STORE_SEQUENCE_CONFLICT',
  'TSW_STORE_NAME_CONFLICT',
  'TSW_STORE_KEY_CONFLICT',
  'TSW_STORE_EXISTS',
  'TSW_STORE_NOT_FOUND',
  'TSW_STORE_AMBIGUOUS',
  'TSW_STORE_INVALID_OBJECT',
  'TSW_STORE_BATCH_TOO_LARGE',
  'TSW_STORE_PROPOSAL_FAILED',
  'TSW_STORE_WATCH_OVERFLOW',
  'TSW_STORE_WATCH_RESET',
  'TSW_STORE_CORRUPT',
] as const;
