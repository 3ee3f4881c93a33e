import assert from 'node:assert/strict';
import { checkCanRemoveMember, quorumOf } from '../../../../manager/membership/quorum-rules';

const up = (raftId: number) => ({ raftId, reachable: true });
const down = (raftId: number) => ({ raftId, reachable: false });

describe('quorum rules for removing a raft member', () => {
  it('quorum is a strict majority', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(quorumOf), [1, 2, 2, 3, 3]);
  });

  it('allows removing one of three healthy managers', () => {
    checkCanRemoveMember([up(1), up(2), up(3)], 3);
  });

  it('refuses removing the last manager', () => {
    assert.throws(() => checkCanRemoveMember([up(1)], 1), /last manager/);
  });

  it('refuses a removal that leaves fewer reachable voters than the new quorum', () => {
    assert.throws(() => checkCanRemoveMember([up(1), down(2), up(3)], 3), /loss of quorum/);
    checkCanRemoveMember([up(1), down(2), up(3)], 2); // removing the unreachable one is fine
  });

  it('ignores ids that are not voters', () => {
    checkCanRemoveMember([up(1)], 9);
  });

  it('errors are 400 with the precondition code', () => {
    try {
      checkCanRemoveMember([up(1)], 1);
      assert.fail('expected a throw');
    } catch (err) {
      assert.equal((err as { httpStatus: number }).httpStatus, 400);
      assert.equal((err as { code: string }).code, 'TSW_SWARM_PRECONDITION');
    }
  });
});
