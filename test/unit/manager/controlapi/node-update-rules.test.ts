import assert from 'node:assert/strict';
import { checkNodeRemoval, planNodeUpdate } from '../../../../manager/controlapi/node-update-rules';

describe('node update rules', () => {
  const worker = { Role: 'worker' as const, Availability: 'active' as const, Labels: { a: '1' } };
  const manager = { Role: 'manager' as const, Availability: 'active' as const, Labels: {} };

  it('changes availability and replaces labels', () => {
    const p = planNodeUpdate(worker, { Role: 'worker', Availability: 'drain', Labels: { b: '2' } }, 1);
    assert.deepEqual(p.spec, { Role: 'worker', Availability: 'drain', Labels: { b: '2' } });
    assert.equal(p.roleChange, undefined);
  });

  it('a role change is a promote or a demote', () => {
    assert.equal(planNodeUpdate(worker, { ...worker, Role: 'manager' }, 1).roleChange, 'promote');
    assert.equal(planNodeUpdate(manager, { ...manager, Role: 'worker' }, 2).roleChange, 'demote');
  });

  it('refuses to demote the last manager', () => {
    assert.throws(() => planNodeUpdate(manager, { ...manager, Role: 'worker' }, 1), /last manager/);
  });

  it('keeps the node name', () => {
    assert.equal(planNodeUpdate({ ...worker, Name: 'n1' }, worker, 1).spec.Name, 'n1');
  });
});

describe('node removal rules', () => {
  it('refuses a manager without force, and says to demote it', () => {
    assert.throws(
      () => checkNodeRemoval({ id: 'x', role: 'manager', state: 'ready', isRaftMember: true }, false),
      /is a cluster manager and is a member of the raft cluster. It must be demoted/,
    );
  });

  it('with force, a manager goes out of raft too', () => {
    assert.deepEqual(checkNodeRemoval({ id: 'x', role: 'manager', state: 'down', isRaftMember: true }, true), {
      removeFromRaft: true,
    });
  });

  it('refuses a worker that is not down without force', () => {
    assert.throws(
      () => checkNodeRemoval({ id: 'x', role: 'worker', state: 'ready', isRaftMember: false }, false),
      /is not down/,
    );
    checkNodeRemoval({ id: 'x', role: 'worker', state: 'down', isRaftMember: false }, false);
    checkNodeRemoval({ id: 'x', role: 'worker', state: 'ready', isRaftMember: false }, true);
  });
});
