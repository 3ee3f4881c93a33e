/**
 * When a raft member may go: removing it (demote, node rm, leave) must leave at least a
 * quorum of the remaining voters reachable (swarmkit's CanRemoveMember), and the last manager
 * never goes by demotion. Pure, so the rules are tested without a cluster.
 */
import { FailedPreconditionError } from '../errors';

export interface VoterState {
  readonly raftId: number;
  readonly reachable: boolean;
}

/** Quorum of a cluster of `n` voters. */
export function quorumOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * Throws FailedPreconditionError when removing `raftId` from `voters` would leave fewer
 * reachable voters than the new cluster's quorum, or no voter at all.
 */
export function checkCanRemoveMember(voters: readonly VoterState[], raftId: number): void {
  const rest = voters.filter((v) => v.raftId !== raftId);
  if (rest.length === voters.length) return; // not a voter: nothing to keep safe
  if (rest.length === 0) throw new FailedPreconditionError('attempting to demote the last manager of the swarm');
  const reachable = rest.filter((v) => v.reachable).length;
  if (reachable < quorumOf(rest.length)) {
    throw new FailedPreconditionError(
      `can't remove member from the raft: this would result in a loss of quorum (${reachable} of ${rest.length} remaining managers reachable)`,
    );
  }
}

/** Throws FailedPreconditionError when demoting would leave no manager. */
export function checkCanDemote(managerCount: number): void {
  if (managerCount <= 1) throw new FailedPreconditionError('attempting to demote the last manager of the swarm');
}
