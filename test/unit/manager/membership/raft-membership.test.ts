import assert from 'node:assert/strict';
import {
  ConfChangeType,
  ProgressState,
  StateRole,
  type ConfChange,
  type ConfState,
  type RaftNode,
} from '../../../../src/raft';
import { MemoryStore } from '../../../../src/store';
import { RaftMembership } from '../../../../manager/membership/raft-membership';

/** The few RaftNode calls the membership makes, on a leader whose changes apply after a delay. */
class FakeLeader {
  conf: ConfState = { voters: [1], learners: [] };
  readonly proposed: ConfChange[] = [];
  readonly progress = new Map<number, { match: number; next: number; state: ProgressState }>();
  commit = 10;

  isLeader(): boolean {
    return true;
  }

  confState(): ConfState {
    return this.conf;
  }

  status() {
    return { role: StateRole.Leader, commit: this.commit, progress: this.progress };
  }

  async proposeConfChange(cc: ConfChange): Promise<ConfState> {
    this.proposed.push(cc);
    await new Promise((r) => setTimeout(r, 20));
    const voters = this.conf.voters.filter((id) => id !== cc.nodeId);
    const learners = this.conf.learners.filter((id) => id !== cc.nodeId);
    if (cc.type === ConfChangeType.AddVoter) voters.push(cc.nodeId);
    if (cc.type === ConfChangeType.AddLearner) learners.push(cc.nodeId);
    this.conf = { voters, learners };
    return this.conf;
  }
}

describe('raft membership: promotion of learners on the leader', () => {
  let raft: FakeLeader;
  let store: MemoryStore;
  let m: RaftMembership;

  async function learner(role: 'manager' | 'worker'): Promise<void> {
    await store.update((tx) => {
      tx.create('node', {
        ID: 'n2',
        Spec: { Role: role, Availability: 'active' },
        Status: { State: 'ready' },
        Internal: { raftId: 2 },
      } as never);
    });
    raft.conf = { voters: [1], learners: [2] };
    raft.progress.set(2, { match: 10, next: 11, state: ProgressState.Replicate });
  }

  beforeEach(() => {
    raft = new FakeLeader();
    store = new MemoryStore();
    m = new RaftMembership({ raft: raft as unknown as RaftNode, store, selfRaftId: 1, selfAddr: '127.0.0.1:1' });
  });

  afterEach(() => store.close());

  it('promotes a caught-up learner that is still meant to be a manager', async () => {
    await learner('manager');
    await m.promoteCaughtUp();
    assert.deepEqual(
      raft.proposed.map((c) => [c.type, c.nodeId]),
      [[ConfChangeType.AddVoter, 2]],
    );
    assert.deepEqual(raft.conf, { voters: [1, 2], learners: [] });
  });

  it('does not add back a learner that a removal queued ahead of the promotion took out', async () => {
    await learner('manager');
    // A demotion's removal is under way when the promotion loop finds the learner caught up.
    const removal = m.remove(2, true);
    await m.promoteCaughtUp();
    await removal;
    assert.deepEqual(
      raft.proposed.map((c) => [c.type, c.nodeId]),
      [[ConfChangeType.RemoveNode, 2]],
    );
    assert.deepEqual(raft.conf, { voters: [1], learners: [] });
  });

  it('takes out a learner whose node was demoted before it was promoted', async () => {
    await learner('worker');
    await m.promoteCaughtUp();
    assert.deepEqual(
      raft.proposed.map((c) => [c.type, c.nodeId]),
      [[ConfChangeType.RemoveNode, 2]],
    );
    assert.deepEqual(raft.conf, { voters: [1], learners: [] });
  });
});
