/**
 * Errors a RaftNode's promises reject with. raft-ts imports nothing of the project, so these
 * extend Error with a stable `code` (the project maps them to its typed errors).
 */
import type { NodeId } from '../types';

/** This node cannot take the request: it knows no leader (or proposals are not forwarded). `leader` is 0 when unknown. */
export class NotLeaderError extends Error {
  readonly code = 'RAFT_NOT_LEADER';
  constructor(
    readonly leader: NodeId,
    reason = 'not the leader',
  ) {
    super(`raft: ${reason}${leader ? `; leader is ${leader}` : '; no leader known'}`);
    this.name = 'NotLeaderError';
  }
}

/** The request was not committed and applied in time. It may still be applied later. */
export class TimeoutError extends Error {
  readonly code = 'RAFT_TIMEOUT';
  constructor(what: string, ms: number) {
    super(`raft: ${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** The node stopped (or failed) before the request completed. */
export class StoppedError extends Error {
  readonly code = 'RAFT_STOPPED';
  constructor(options?: { cause?: unknown }) {
    super('raft: node stopped', options);
    this.name = 'StoppedError';
  }
}
