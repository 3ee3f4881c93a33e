import assert from 'node:assert/strict';
import { MessageType, StateRole } from '../../../src/raft';
import { MemoryStorage } from '../../../src/raft/core';
import { mk, msgsOfType, Network, newTestNode, runReady } from './network';

describe('raft core: leader election', () => {
  it('§5.2 a follower that hears no leader starts an election', () => {
    const n = newTestNode(1, [1, 2, 3], { preVote: false });
    runReady(n); // bootstrap state
    for (let i = 0; i < 20; i++) n.node.tick();
    const st = n.node.status();
    assert.equal(st.role, StateRole.Candidate);
    assert.equal(st.term, 2);
    assert.equal(st.vote, 1);
    const rd = n.node.ready();
    assert.deepEqual(rd.hardState, { term: 2, vote: 1, commit: 3 });
    const votes = msgsOfType([...rd.messages], MessageType.Vote);
    assert.deepEqual(votes.map((m) => m.to).sort(), [2, 3]);
    assert.ok(votes.every((m) => m.term === 2 && m.index === 3 && m.logTerm === 1));
  });

  it('§5.2 election timeouts are randomized within [electionTick, 2*electionTick)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      let r = seed * 7919;
      const n = newTestNode(1, [1, 2, 3], {
        preVote: false,
        random: () => (r = (r * 48271) % 2147483647) / 2147483647,
      });
      runReady(n);
      let ticks = 0;
      while (n.node.status().role === StateRole.Follower) {
        n.node.tick();
        ticks++;
        assert.ok(ticks < 20, 'must campaign before 2*electionTick');
      }
      assert.ok(ticks >= 10);
      seen.add(ticks);
    }
    assert.ok(seen.size > 3, 'timeouts vary');
  });

  it('§5.2 a candidate that wins a majority becomes leader and appends a no-op of its term', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    assert.equal(net.leader(), 1);
    const st = net.get(1).node.status();
    assert.equal(st.term, 2);
    assert.equal(st.commit, 4, 'the no-op (index 4) is committed');
    for (const id of [2, 3]) assert.equal(net.get(id).node.status().leader, 1);
    const noop = net.get(2).applied.at(-1)!;
    assert.equal(noop.index, 4);
    assert.equal(noop.term, 2);
    assert.equal(noop.data.length, 0);
  });

  it('§5.2 each node grants at most one vote per term', () => {
    const n = newTestNode(1, [1, 2, 3], { preVote: false });
    runReady(n);
    n.node.step(mk({ type: MessageType.Vote, from: 2, to: 1, term: 5, index: 3, logTerm: 1 }));
    n.node.step(mk({ type: MessageType.Vote, from: 3, to: 1, term: 5, index: 3, logTerm: 1 }));
    const rd = n.node.ready();
    const resps = msgsOfType([...rd.messages], MessageType.VoteResp);
    assert.deepEqual(
      resps.map((m) => [m.to, m.reject]),
      [
        [2, false],
        [3, true],
      ],
    );
    assert.equal(rd.hardState?.vote, 2);
  });

  it('§5.2 a candidate that hears AppendEntries from a leader of its term becomes follower', () => {
    const n = newTestNode(1, [1, 2, 3], { preVote: false });
    runReady(n);
    n.node.campaign();
    assert.equal(n.node.status().role, StateRole.Candidate);
    n.node.step(mk({ type: MessageType.App, from: 2, to: 1, term: 2, index: 3, logTerm: 1, commit: 3 }));
    assert.equal(n.node.status().role, StateRole.Follower);
    assert.equal(n.node.status().leader, 2);
  });

  it('§5.2 a candidate that loses the vote steps back to follower and retries later', () => {
    const n = newTestNode(1, [1, 2, 3], { preVote: false });
    runReady(n);
    n.node.campaign();
    n.node.step(mk({ type: MessageType.VoteResp, from: 2, to: 1, term: 2, reject: true }));
    n.node.step(mk({ type: MessageType.VoteResp, from: 3, to: 1, term: 2, reject: true }));
    assert.equal(n.node.status().role, StateRole.Follower);
    for (let i = 0; i < 20; i++) n.node.tick();
    assert.equal(n.node.status().role, StateRole.Candidate);
    assert.equal(n.node.status().term, 3);
  });

  it('§5.2 split votes are resolved by a later election', () => {
    const net = new Network([1, 2, 3, 4], { preVote: false });
    // 1 and 2 campaign at once; their votes cross.
    net.get(1).node.campaign();
    net.get(2).node.campaign();
    net.stabilize();
    for (let i = 0; i < 100 && net.leader() === 0; i++) {
      net.tickAll();
      net.stabilize();
    }
    assert.notEqual(net.leader(), 0);
  });

  it('§5.4.1 a voter rejects a candidate whose log is less up-to-date', () => {
    const net = new Network([1, 2, 3], { checkQuorum: false });
    net.elect(1);
    net.get(1).node.propose(new TextEncoder().encode('x'));
    net.stabilize();
    const s = new MemoryStorage();
    const stale = newTestNode(3, [1, 2, 3], {}, s);
    runReady(stale);
    const n2 = net.get(2).node;
    n2.step(mk({ type: MessageType.Vote, from: 3, to: 2, term: 9, index: 3, logTerm: 1 }));
    const rd = n2.ready();
    const r = msgsOfType([...rd.messages], MessageType.VoteResp)[0];
    assert.equal(r.reject, true);
  });

  it('§5.1 a node that sees a higher term adopts it and becomes follower', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    const n1 = net.get(1).node;
    n1.step(mk({ type: MessageType.App, from: 2, to: 1, term: 7, index: 0, logTerm: 0 }));
    assert.equal(n1.status().term, 7);
    assert.equal(n1.status().role, StateRole.Follower);
    assert.equal(n1.status().leader, 2);
  });

  it('§5.1 a message with a stale term is not acted upon (the sender learns the newer term)', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    const n2 = net.get(2).node;
    const before = n2.status();
    n2.step(mk({ type: MessageType.App, from: 3, to: 2, term: 1, index: 4, logTerm: 1, entries: [] }));
    const rd = n2.ready();
    assert.equal(n2.status().leader, before.leader);
    const resp = msgsOfType([...rd.messages], MessageType.AppResp)[0];
    assert.equal(resp.term, 2);
  });

  it('§9.6 pre-vote: an isolated node does not inflate its term', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for (let i = 0; i < 100; i++) {
      net.tickAll();
      net.stabilize();
    }
    assert.equal(net.get(3).node.status().term, 2);
    assert.equal(net.get(3).node.status().role, StateRole.PreCandidate);
    net.heal();
    for (let i = 0; i < 5; i++) {
      net.tickAll();
      net.stabilize();
    }
    assert.equal(net.leader(), 1, 'the rejoining node does not depose the leader');
    assert.equal(net.get(3).node.status().leader, 1);
  });

  it('§6.2 check-quorum: a leader that cannot reach a majority steps down', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    for (let i = 0; i < 25; i++) {
      net.tickAll();
      net.stabilize();
    }
    assert.notEqual(net.get(1).node.status().role, StateRole.Leader);
  });

  it('§4.2.3 leader lease: followers that hear a live leader ignore higher-term votes', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    const n2 = net.get(2).node;
    n2.step(mk({ type: MessageType.Vote, from: 3, to: 2, term: 10, index: 100, logTerm: 9 }));
    assert.equal(n2.status().term, 2);
    assert.equal(n2.status().leader, 1);
    assert.equal(msgsOfType([...n2.ready().messages], MessageType.VoteResp).length, 0);
  });

  it('§4.2.3 a pre-vote that arrives a tick before the lease ends is granted when it ends', () => {
    // Both followers time out 10 ticks after the leader's last message; node 3 counts a tick
    // behind node 2 (its ticks fall at another phase), so it is still in its lease when node
    // 2's pre-vote arrives. It answers at its next tick instead of never, so node 2 need not
    // wait another election timeout and wins the round it started.
    const net = new Network([1, 2, 3], { random: () => 0 });
    net.elect(1);
    const term = net.get(2).node.status().term;
    net.isolate(1);
    for (let i = 0; i < 9; i++) net.get(3).node.tick();
    for (let i = 0; i < 10; i++) net.get(2).node.tick();
    net.stabilize();
    assert.equal(net.get(2).node.status().role, StateRole.PreCandidate, 'node 3 is still in its lease');
    net.get(3).node.tick();
    net.stabilize();
    assert.equal(net.leader(), 2);
    assert.equal(net.get(2).node.status().term, term + 1);
  });

  it('§4.2.3 a pre-vote held back by the lease is forgotten when the leader is heard again', () => {
    const net = new Network([1, 2, 3], { random: () => 0 });
    net.elect(1);
    const n3 = net.get(3).node;
    runReady(net.get(3));
    const term = n3.status().term;
    n3.step(mk({ type: MessageType.PreVote, from: 2, to: 3, term: term + 1, index: 100, logTerm: term }));
    n3.step(mk({ type: MessageType.Heartbeat, from: 1, to: 3, term }));
    runReady(net.get(3));
    const out: MessageType[] = [];
    for (let i = 0; i < 10; i++) {
      n3.tick();
      out.push(...n3.ready().messages.map((m) => m.type));
    }
    assert.equal(out.filter((t) => t === MessageType.PreVoteResp).length, 0);
  });

  it('§9.6 two pre-campaigns at once: the lower id stands back, so the real vote does not split', () => {
    const net = new Network([1, 2, 3], { checkQuorum: false });
    net.elect(1);
    const term = net.get(2).node.status().term;
    net.isolate(1);
    net.get(2).node.campaign();
    net.get(3).node.campaign();
    net.stabilize();
    assert.equal(net.get(3).node.status().role, StateRole.Leader);
    assert.equal(net.get(2).node.status().role, StateRole.Follower);
    assert.equal(net.get(3).node.status().term, term + 1, 'one election round');
    assert.equal(net.get(2).node.status().leader, 3);
  });

  it('§5.2 a single-node cluster elects itself at once', () => {
    const net = new Network([1]);
    net.elect(1);
    assert.equal(net.leader(), 1);
    net.get(1).node.propose(new TextEncoder().encode('solo'));
    net.stabilize();
    assert.deepEqual(net.appliedData(1), ['solo']);
  });
});
