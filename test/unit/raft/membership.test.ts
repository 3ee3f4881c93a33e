import assert from 'node:assert/strict';
import { ConfChangeType, EntryType, MessageType, StateRole } from '../../../src/raft';
import { ConfChangePendingError, InvalidConfChangeError, MemoryStorage } from '../../../src/raft/core';
import { bytes, Network, newTestNode, runReady } from './network';

function addFresh(net: Network, id: number): void {
  net.add(newTestNode(id, [], {}, new MemoryStorage()));
}

describe('raft core: membership changes (one server at a time)', () => {
  it('§4.2.1 a learner receives the log but does not vote or count toward commit', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    addFresh(net, 4);
    net.get(1).node.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4 });
    net.stabilize();
    net.get(1).node.propose(bytes('L'));
    net.stabilize();
    assert.deepEqual(net.appliedData(4), ['L']);
    assert.equal(net.get(1).node.status().progress?.get(4)?.isLearner, true);
    // The learner never campaigns.
    net.isolate(4);
    for (let i = 0; i < 50; i++) net.get(4).node.tick();
    assert.equal(net.get(4).node.status().role, StateRole.Follower);
    // Commit needs 2 of the 3 voters, not the learner.
    net.heal();
    net.isolate(2);
    net.isolate(3);
    net.get(1).node.propose(bytes('needs-voters'));
    net.stabilize();
    assert.deepEqual(net.appliedData(1), ['L']);
  });

  it('§4.2.1 AddVoter promotes a caught-up learner, which then votes', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    addFresh(net, 4);
    net.get(1).node.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4 });
    net.stabilize();
    net.get(1).node.proposeConfChange({ type: ConfChangeType.AddVoter, nodeId: 4 });
    net.stabilize();
    assert.equal(net.get(1).node.status().progress?.get(4)?.isLearner, false);
    // 1 and 4 alone are not a majority of 4 voters; with 2 they are.
    net.isolate(3);
    net.get(1).node.propose(bytes('x'));
    net.stabilize();
    assert.deepEqual(net.appliedData(4), ['x']);
  });

  it('§4.1 only one membership change may be pending', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    const n1 = net.get(1).node;
    n1.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4 });
    assert.throws(() => n1.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 5 }), ConfChangePendingError);
    net.heal();
    net.stabilize();
    n1.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 5 });
  });

  it('§4.1 removing a voter shrinks the quorum; a removed leader steps down', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.get(1).node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3 });
    net.stabilize();
    net.nodes.delete(3);
    net.isolate(2);
    net.get(1).node.propose(bytes('needs-2'));
    net.stabilize();
    assert.deepEqual(net.appliedData(1), []);
    net.heal();
    net.tickAll();
    net.stabilize();
    assert.deepEqual(net.appliedData(2), ['needs-2']);
    // Now the leader removes itself: it steps down and 2 takes over alone.
    net.get(1).node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1 });
    net.stabilize();
    assert.notEqual(net.get(1).node.status().role, StateRole.Leader);
    net.nodes.delete(1);
    for (let i = 0; i < 30 && net.leader() !== 2; i++) {
      net.tickAll();
      net.stabilize();
    }
    assert.equal(net.leader(), 2);
    net.get(2).node.propose(bytes('alone'));
    net.stabilize();
    assert.deepEqual(net.appliedData(2), ['needs-2', 'alone']);
  });

  it('rejects removing the last voter and demoting a voter', () => {
    const net = new Network([1]);
    net.elect(1);
    assert.throws(
      () => net.get(1).node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1 }),
      InvalidConfChangeError,
    );
    assert.throws(
      () => net.get(1).node.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 1 }),
      InvalidConfChangeError,
    );
  });

  it('a restarted node rebuilds its membership from committed ConfChange entries', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    addFresh(net, 4);
    net.get(1).node.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4 });
    net.stabilize();
    const old = net.get(2);
    const again = newTestNode(2, [], {}, old.storage);
    runReady(again); // the committed ConfChange entries are applied again
    assert.equal(again.node.raft.tracker.isLearner(4), true);
    const applied = newTestNode(2, [], { applied: old.node.status().applied }, old.storage);
    assert.equal(applied.node.raft.tracker.isLearner(4), true, 'entries up to `applied` are replayed');
    assert.deepEqual([...again.node.raft.tracker.voters].sort(), [1, 2, 3]);
  });

  it('ConfChange proposals on a follower are forwarded to the leader', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    addFresh(net, 4);
    let forwarded = 0;
    net.drop = (m) => {
      if (m.type === MessageType.Prop && m.to === 1) forwarded++;
      return false;
    };
    net.get(2).node.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: 4 });
    net.stabilize();
    assert.equal(forwarded, 1);
    assert.equal(net.get(3).node.raft.tracker.isLearner(4), true);
  });
});

describe('raft core: membership changes from followers', () => {
  it('a forwarded change the leader finds invalid becomes a no-op', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    // 3 forwards an undecodable change; the leader must not let it into the log.
    net.get(3).node.step({
      type: MessageType.Prop,
      from: 3,
      to: 1,
      term: 0,
      logTerm: 0,
      index: 0,
      entries: [{ term: 0, index: 0, type: EntryType.ConfChange, data: new Uint8Array([9, 9]) }],
      commit: 0,
      reject: false,
      rejectHint: 0,
      hintTerm: 0,
    });
    net.stabilize();
    const last = net.get(1).applied.at(-1)!;
    assert.equal(last.type, EntryType.Normal);
    assert.equal(last.data.length, 0);
    assert.deepEqual([...net.get(2).node.raft.tracker.voters].sort(), [1, 2, 3]);
  });
});
