import assert from 'node:assert/strict';
import {
  CompactedError,
  ConfChangeType,
  EntryType,
  LogUnavailableError,
  MessageType,
  type Entry,
} from '../../../src/raft';
import {
  decodeConfChange,
  encodeConfChange,
  LocalMessageError,
  MemoryStorage,
  RaftConfigError,
  RawNode,
} from '../../../src/raft/core';
import { Inflights } from '../../../src/raft/core/inflights';
import { bytes, mk, Network, newTestNode, runReady } from './network';

function ents(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push({ index: i, term, type: EntryType.Normal, data: bytes(`${i}`) });
  return out;
}

describe('raft core: building blocks', () => {
  it('MemoryStorage appends, overwrites a conflicting tail, snapshots and compacts', () => {
    const s = new MemoryStorage();
    s.append(ents(1, 5, 1));
    s.append(ents(4, 6, 2));
    assert.equal(s.lastIndex(), 6);
    assert.equal(s.term(3), 1);
    assert.equal(s.term(4), 2);
    s.createSnapshot(4, { voters: [1], learners: [] }, bytes('snap'));
    s.compact(4);
    assert.equal(s.firstIndex(), 5);
    assert.equal(s.term(4), 2);
    assert.throws(() => s.term(3), CompactedError);
    assert.throws(() => s.entries(4, 6, 100), CompactedError);
    assert.throws(() => s.term(7), LogUnavailableError);
    assert.deepEqual(
      s.entries(5, 7, 1).map((e) => e.index),
      [5],
      'size limit still returns one entry',
    );
    assert.deepEqual(s.initialState().confState.voters, [1]);
  });

  it('Inflights frees acknowledged messages and reports fullness by count and bytes', () => {
    const f = new Inflights(3, 100);
    f.add(1, 10);
    f.add(2, 10);
    f.add(3, 10);
    assert.ok(f.full());
    f.freeLE(2);
    assert.equal(f.count, 1);
    f.add(4, 90);
    assert.ok(f.full(), 'by bytes');
    f.freeLE(10);
    assert.equal(f.count, 0);
    assert.equal(f.bytes, 0);
  });

  it('ConfChange encoding round-trips and rejects bad input with the field named', () => {
    const cc = { type: ConfChangeType.AddLearner, nodeId: 7, context: bytes('10.0.0.7:2377') };
    const back = decodeConfChange(encodeConfChange(cc));
    assert.equal(back.type, cc.type);
    assert.equal(back.nodeId, 7);
    assert.equal(Buffer.from(back.context!).toString(), '10.0.0.7:2377');
    assert.throws(() => encodeConfChange({ type: ConfChangeType.AddVoter, nodeId: 0 }), /nodeId/);
    assert.throws(() => decodeConfChange(new Uint8Array([1, 9, 0, 0, 0, 1])), /type/);
    assert.throws(() => decodeConfChange(new Uint8Array([1])), /bytes/);
  });

  it('config errors name the field', () => {
    assert.throws(
      () =>
        new RawNode({ id: 0, storage: new MemoryStorage(), electionTick: 10, heartbeatTick: 1, random: Math.random }),
      (e: unknown) => e instanceof RaftConfigError && /config\.id/.test(e.message),
    );
    assert.throws(
      () =>
        new RawNode({ id: 1, storage: new MemoryStorage(), electionTick: 1, heartbeatTick: 1, random: Math.random }),
      /electionTick/,
    );
  });

  it('step() refuses local-only message types from the network', () => {
    const n = newTestNode(1, [1, 2, 3]);
    for (const type of [MessageType.Hup, MessageType.Beat, MessageType.SnapStatus, MessageType.Unreachable]) {
      assert.throws(() => n.node.step(mk({ type, from: 2, to: 1, term: 1 })), LocalMessageError);
    }
  });

  it('§5.1 Ready: a vote is handed out for persistence together with the messages that depend on it', () => {
    const n = newTestNode(1, [1, 2, 3], { preVote: false });
    runReady(n);
    n.node.campaign();
    const rd = n.node.ready();
    assert.deepEqual(rd.hardState, { term: 2, vote: 1, commit: 3 });
    assert.equal(rd.messages.length, 2);
    n.node.advance(rd);
    assert.equal(n.node.hasReady(), false);
  });

  it('a crash before advance() loses unstable entries; a restart resumes from what was persisted', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    const n2 = net.get(2);
    const persisted = n2.storage.lastIndex();
    net.get(1).node.propose(bytes('lost-on-2'));
    net.collect();
    net.deliver(); // 2 steps the App but never persists it
    const again = newTestNode(2, [], {}, n2.storage);
    assert.equal(again.node.raft.raftLog.lastIndex(), persisted);
    assert.equal(again.node.status().commit, n2.storage.initialState().hardState.commit);
    net.nodes.set(2, again);
    net.queue = [];
    net.tickAll();
    net.stabilize();
    assert.equal(again.node.raft.raftLog.lastIndex(), persisted + 1);
  });

  it('a restart with `applied` hands out only entries after it', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.get(1).node.propose(bytes('x'));
    net.stabilize();
    const s = net.get(3).storage;
    const re = newTestNode(3, [], { applied: 4 }, s);
    runReady(re);
    assert.deepEqual(
      re.applied.map((e) => e.index),
      [5],
    );
  });
});

describe('raft core: restart from storage', () => {
  it('a hard state older than the snapshot (crash between the two writes) is brought up to it', () => {
    const s = new MemoryStorage();
    s.applySnapshot({
      metadata: { index: 10, term: 2, confState: { voters: [1, 2, 3], learners: [] } },
      data: bytes('x'),
    });
    s.setHardState({ term: 2, vote: 1, commit: 4 });
    const n = newTestNode(1, [], {}, s);
    assert.equal(n.node.status().commit, 10);
    assert.equal(n.node.status().applied, 10);
  });

  it('a hard state whose commit is beyond the stored log is refused', () => {
    const s = new MemoryStorage();
    s.append(ents(1, 3, 1));
    s.setHardState({ term: 1, vote: 0, commit: 9 });
    assert.throws(() => newTestNode(1, [], {}, s), /beyond the last stored entry/);
  });
});
