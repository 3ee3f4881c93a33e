/**
 * The swarm control plane's typed errors, with Docker's messages (the CLI prints them as
 * "Error response from daemon: <message>") and Docker's status codes.
 */
import { TsswarmError } from '../src/api';

/** 503: the node is in no swarm. */
export class NotInSwarmError extends TsswarmError {
  constructor() {
    super(
      'TSW_SWARM_NOT_IN_SWARM',
      503,
      'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
    );
  }
}

/** 503: the node is a worker; control requests need a manager. */
export class WorkerNodeError extends TsswarmError {
  constructor() {
    super(
      'TSW_SWARM_WORKER',
      503,
      "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.",
    );
  }
}

/** 503: init or join on a node that is in a swarm already. */
export class AlreadyInSwarmError extends TsswarmError {
  constructor() {
    super(
      'TSW_SWARM_ALREADY_IN_SWARM',
      503,
      'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.',
    );
  }
}

/** 503: a manager leaving without force (the message says what it would cost). */
export class ManagerLeaveError extends TsswarmError {
  constructor(message: string) {
    super('TSW_SWARM_MANAGER_LEAVE', 503, message);
  }
}

/** 400: a join with a token that matches neither of the cluster's. */
export class InvalidJoinTokenError extends TsswarmError {
  constructor() {
    super('TSW_SWARM_INVALID_TOKEN', 400, 'A valid join token is necessary to join this cluster');
  }
}

/** 400: a membership or role change that the rules refuse (last manager, quorum, a manager to remove). */
export class FailedPreconditionError extends TsswarmError {
  constructor(message: string) {
    super('TSW_SWARM_PRECONDITION', 400, message);
  }
}

/** 503: a change that needs the raft leader, when there is none or it cannot be reached. */
export class NoLeaderError extends TsswarmError {
  constructor(detail = '') {
    super(
      'TSW_SWARM_NO_LEADER',
      503,
      "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online." +
        (detail ? ` (${detail})` : ''),
    );
  }
}

/** Every swarm error code, for the documentation check. */
export const SWARM_ERROR_CODES = [
  'TSW_SWARM_NOT_IN_SWARM',
  'TSW_SWARM_WORKER',
  'TSW_SWARM_ALREADY_IN_SWARM',
  'TSW_SWARM_MANAGER_LEAVE',
  'TSW_SWARM_INVALID_TOKEN',
  'TSW_SWARM_PRECONDITION',
  'TSW_SWARM_NO_LEADER',
] as const;
