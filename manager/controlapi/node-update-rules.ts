/**
 * What a node update may change (Docker's NodeSpec: Labels, Role, Availability; Name is kept)
 * and what it means for raft: a role change is a promote or demote. Pure.
 */
import type { NodeSpec } from '../../src/api';
import { FailedPreconditionError } from '../errors';

export type RoleChange = 'promote' | 'demote' | undefined;

/** The spec to store and the role change it implies; throws for a demotion of the last manager. */
export function planNodeUpdate(
  current: NodeSpec,
  requested: NodeSpec,
  managerCount: number,
): { spec: NodeSpec; roleChange: RoleChange } {
  const spec: NodeSpec = {
    ...(current.Name ? { Name: current.Name } : {}),
    Labels: requested.Labels ?? {},
    Role: requested.Role ?? current.Role,
    Availability: requested.Availability ?? current.Availability,
  };
  let roleChange: RoleChange;
  if (current.Role !== spec.Role) roleChange = spec.Role === 'manager' ? 'promote' : 'demote';
  if (roleChange === 'demote' && managerCount <= 1) {
    throw new FailedPreconditionError('attempting to demote the last manager of the swarm');
  }
  return { spec, roleChange };
}

/**
 * Whether `node rm` may remove a node: a manager never (it must be demoted first, or use
 * force, which demotes it out of raft when quorum allows); a node that is not down only with
 * force. Returns whether a raft removal is needed.
 */
export function checkNodeRemoval(
  node: { id: string; role: 'manager' | 'worker'; state: string; isRaftMember: boolean },
  force: boolean,
): { removeFromRaft: boolean } {
  if (node.role === 'manager' || node.isRaftMember) {
    if (!force) {
      throw new FailedPreconditionError(
        `node ${node.id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`,
      );
    }
    return { removeFromRaft: node.isRaftMember };
  }
  if (node.state !== 'down' && !force) {
    throw new FailedPreconditionError(`node ${node.id} is not down and can't be removed`);
  }
  return { removeFromRaft: false };
}
