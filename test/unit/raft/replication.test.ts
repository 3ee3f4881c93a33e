import assert from 'node:assert/strict';
import { EntryType, MessageType, StateRole, type Entry } from '../../../src/raft';
import { ProgressState, ProposalDroppedError } from '../../../src/raft/core';
import { bytes, mk, msgsOfType, Network, newTestNode, runReady } from './network';

function ent(index: number, term: number, data = ''): Entry {
  return { index, term, type: EntryType.Normal, data: bytes(data) };
}

describe('raft core: log replication', () => {
  it('§5.3 the leader replicates a proposal and commits it once a majority stores it', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.get(1).node.propose(bytes('a'));
    net.stabilize();
    assert.deepEqual(net.appliedData(1), ['a']);
    assert.deepEqual(net.appliedData(2), ['a']);
    assert.deepEqual(net.appliedData(3), []);
    net.heal();
    net.tickAll();
    net.stabilize();
    assert.deepEqual(net.appliedData(3), ['a']);
  });

  it('with lazyCommitBroadcast a commit reaches followers with the next tick, not in Apps of its own', () => {
    const net = new Network([1, 2, 3], { lazyCommitBroadcast: true, heartbeatTick: 5 });
    net.elect(1);
    net.get(1).node.propose(bytes('a'));
    net.stabilize();
    assert.deepEqual(net.appliedData(1), ['a']);
    assert.deepEqual(net.appliedData(2), []);
    net.tickAll();
    net.stabilize();
    assert.deepEqual(net.appliedData(2), ['a']);
    assert.deepEqual(net.appliedData(3), ['a']);
    // A later proposal carries the pending commit along with its entries.
    net.get(1).node.propose(bytes('b'));
    net.stabilize();
    net.get(1).node.propose(bytes('c'));
    net.stabilize();
    assert.deepEqual(net.appliedData(2), ['a', 'b']);
  });

  it('§5.3 nothing commits without a majority', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.get(1).node.propose(bytes('lost'));
    net.stabilize();
    assert.deepEqual(net.appliedData(1), []);
    assert.equal(net.get(1).node.status().commit, 4);
  });

  it('§5.3 a follower forwards proposals to the leader', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.get(3).node.propose(bytes('via-3'));
    net.stabilize();
    for (const id of [1, 2, 3]) assert.deepEqual(net.appliedData(id), ['via-3']);
  });

  it('§5.3 a proposal with no known leader is refused with ProposalDroppedError', () => {
    const n = newTestNode(1, [1, 2, 3]);
    runReady(n);
    assert.throws(
      () => n.node.propose(bytes('x')),
      (e: unknown) => e instanceof ProposalDroppedError && e.leader === 0,
    );
  });

  it('§5.3 a follower rejects AppendEntries whose previous entry does not match', () => {
    const n = newTestNode(2, [1, 2, 3]);
    runReady(n);
    n.node.step(mk({ type: MessageType.App, from: 1, to: 2, term: 2, index: 5, logTerm: 2, entries: [ent(6, 2)] }));
    const r = msgsOfType(runReady(n), MessageType.AppResp)[0];
    assert.equal(r.reject, true);
    assert.equal(r.index, 5);
    assert.equal(r.rejectHint, 3, 'hint: our last index');
    assert.equal(r.hintTerm, 1);
  });

  it("§5.3 a follower deletes a conflicting suffix and appends the leader's entries", () => {
    const n = newTestNode(2, [1, 2, 3]);
    runReady(n);
    n.node.step(
      mk({
        type: MessageType.App,
        from: 1,
        to: 2,
        term: 2,
        index: 3,
        logTerm: 1,
        entries: [ent(4, 2, 'x'), ent(5, 2, 'y')],
      }),
    );
    runReady(n);
    n.node.step(
      mk({
        type: MessageType.App,
        from: 3,
        to: 2,
        term: 3,
        index: 4,
        logTerm: 2,
        entries: [ent(5, 3, 'z')],
        commit: 5,
      }),
    );
    const out = runReady(n);
    assert.equal(msgsOfType(out, MessageType.AppResp)[0].index, 5);
    assert.equal(n.storage.term(5), 3);
    assert.equal(n.storage.lastIndex(), 5);
    assert.deepEqual(
      n.applied.slice(-2).map((e) => Buffer.from(e.data).toString()),
      ['x', 'z'],
    );
  });

  it('§5.3 fast backtracking: a divergent follower is repaired in few round trips', () => {
    const net = new Network([1, 2, 3], { maxSizePerMsg: 1 });
    net.elect(1);
    // 3 misses many entries of term 2 while it is cut off, then 2 leads a new term.
    net.isolate(3);
    for (let i = 0; i < 50; i++) net.get(1).node.propose(bytes(`e${i}`));
    net.stabilize();
    net.heal();
    let appRejects = 0;
    net.drop = (m) => {
      if (m.type === MessageType.AppResp && m.reject) appRejects++;
      return false;
    };
    net.tickAll();
    net.stabilize();
    assert.equal(net.appliedData(3).length, 50);
    assert.ok(appRejects <= 2, `rejections: ${appRejects}`);
  });

  it('§5.4.2 the leader commits an old-term entry only by committing one of its own term', () => {
    const n = newTestNode(1, [1, 2, 3], { preVote: false });
    runReady(n);
    // Our log holds index 4 of term 2, uncommitted (written by an earlier leader).
    n.node.step(
      mk({ type: MessageType.App, from: 2, to: 1, term: 2, index: 3, logTerm: 1, entries: [ent(4, 2, 'old')] }),
    );
    runReady(n);
    for (let i = 0; i < 30 && n.node.status().role !== StateRole.Candidate; i++) n.node.tick();
    runReady(n);
    n.node.step(mk({ type: MessageType.VoteResp, from: 2, to: 1, term: 3 }));
    assert.equal(n.node.status().role, StateRole.Leader);
    runReady(n);
    // 2 acknowledges only index 4 (the old-term entry): not enough to commit it.
    n.node.step(mk({ type: MessageType.AppResp, from: 2, to: 1, term: 3, index: 4 }));
    assert.equal(n.node.status().commit, 3);
    // Acknowledging the no-op at index 5 (term 3) commits both.
    n.node.step(mk({ type: MessageType.AppResp, from: 2, to: 1, term: 3, index: 5 }));
    assert.equal(n.node.status().commit, 5);
  });

  it('§5.5 duplicated and reordered messages are harmless', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    for (let i = 0; i < 10; i++) {
      net.get(1).node.propose(bytes(`d${i}`));
      net.collect();
      net.queue = [...net.queue, ...net.queue].reverse();
      net.deliver();
    }
    net.stabilize();
    const want = Array.from({ length: 10 }, (_, i) => `d${i}`);
    for (const id of [1, 2, 3]) assert.deepEqual(net.appliedData(id), want);
  });

  it('proposals made between two Ready cycles go out as one App message per follower', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    for (let i = 0; i < 100; i++) net.get(1).node.propose(bytes(`b${i}`));
    const out = net.collect();
    const apps = msgsOfType(out, MessageType.App);
    assert.equal(apps.length, 2);
    assert.ok(apps.every((m) => m.entries.length === 100));
    net.deliver();
    net.stabilize();
    assert.equal(net.appliedData(3).length, 100);
  });

  it('flow control: at most maxInflightMsgs App messages are in flight to a follower', () => {
    const net = new Network([1, 2], { maxInflightMsgs: 3 });
    net.elect(1);
    const sent: number[] = [];
    for (let i = 0; i < 10; i++) {
      net.get(1).node.propose(bytes(`f${i}`));
      const out = msgsOfType(net.collect(), MessageType.App);
      sent.push(out.length);
    }
    net.queue = [];
    assert.equal(
      sent.reduce((a, b) => a + b, 0),
      3,
    );
    net.tickAll(); // heartbeat: the follower's answer resumes the pipeline
    net.stabilize();
    assert.equal(net.appliedData(2).length, 10);
  });

  it('flow control: maxInflightBytes bounds the bytes in flight', () => {
    const net = new Network([1, 2], { maxInflightBytes: 10 });
    net.elect(1);
    let apps = 0;
    for (let i = 0; i < 10; i++) {
      net.get(1).node.propose(bytes('0123456789'));
      apps += msgsOfType(net.collect(), MessageType.App).length;
    }
    net.queue = [];
    assert.equal(apps, 1);
  });

  it('maxUncommittedEntriesSize: the leader refuses proposals beyond the limit', () => {
    const net = new Network([1, 2, 3], { maxUncommittedEntriesSize: 20 });
    net.elect(1);
    net.isolate(1);
    const n1 = net.get(1).node;
    n1.propose(bytes('0123456789'));
    n1.propose(bytes('0123456789'));
    assert.throws(() => n1.propose(bytes('0123456789')), ProposalDroppedError);
  });
});

describe('raft core: transport reports', () => {
  it('an unreachable follower drops from pipelining back to probing', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    const n1 = net.get(1).node;
    assert.equal(n1.status().progress?.get(2)?.state, ProgressState.Replicate);
    n1.reportUnreachable(2);
    assert.equal(n1.status().progress?.get(2)?.state, ProgressState.Probe);
    net.get(1).node.propose(bytes('after'));
    net.stabilize();
    assert.deepEqual(net.appliedData(2), ['after']);
    assert.equal(n1.status().progress?.get(2)?.state, ProgressState.Replicate);
  });

  it('§7 a follower in snapshot state waits for reportSnapshot before more Apps', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for (let i = 0; i < 5; i++) net.get(1).node.propose(bytes(`p${i}`));
    net.stabilize();
    net.get(1).storage.createSnapshot(9, { voters: [1, 2, 3], learners: [] }, bytes('s'));
    net.get(1).storage.compact(9);
    net.heal();
    net.drop = (m) => m.type === MessageType.Snap;
    net.tickAll();
    net.stabilize();
    const n1 = net.get(1).node;
    assert.equal(n1.status().progress?.get(3)?.state, ProgressState.Snapshot);
    n1.reportSnapshot(3, false);
    assert.equal(n1.status().progress?.get(3)?.state, ProgressState.Probe);
  });
});
