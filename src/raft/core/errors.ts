import type { NodeId } from '../types';

/**
 * A proposal could not be accepted here: no leader is known, the leader is handing over,
 * or this node was removed. `leader` names the leader to retry against (0 when unknown).
 */
export class ProposalDroppedError extends Error {
  readonly leader: NodeId;
  constructor(leader: NodeId, reason = 'no leader') {
    super(`raft: proposal dropped (${reason}${leader ? `; leader is ${leader}` : ''})`);
    this.name = 'ProposalDroppedError';
    this.leader = leader;
  }
}

/** A membership change is already proposed and not yet applied (one change at a time). */
export class ConfChangePendingError extends Error {
  constructor() {
    super('raft: a membership change is already pending; wait until it is applied');
    this.name = 'ConfChangePendingError';
  }
}

/** A membership change that cannot be made (e.g. removing the last voter). */
export class InvalidConfChangeError extends Error {
  constructor(msg: string) {
    super(`raft: invalid membership change: ${msg}`);
    this.name = 'InvalidConfChangeError';
  }
}

/** step() was handed a message type that only the node itself may create (Hup, Beat, ...). */
export class LocalMessageError extends Error {
  constructor(type: number) {
    super(`raft: message type ${type} is local and cannot come from the network`);
    this.name = 'LocalMessageError';
  }
}

/** The configuration handed to RawNode is wrong; the message names the field. */
export class RaftConfigError extends Error {
  constructor(field: string, msg: string) {
    super(`raft: config.${field} ${msg}`);
    this.name = 'RaftConfigError';
  }
}
