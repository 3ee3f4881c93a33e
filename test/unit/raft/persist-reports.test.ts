import assert from 'node:assert/strict';
import type { Message, NodeId } from '../../../src/raft';
import { Network, bytes, handleReadyOf, type TestNode } from './network';

/**
 * A network whose nodes report their writes durable right after each Ready (a synced write),
 * except nodes in `held`, whose reports wait until release(): a leader syncing in the background.
 */
class ReportingNetwork extends Network {
  held: Set<NodeId> | undefined;
  private readonly waiting = new Map<NodeId, [number, number][]>();

  override handleReady(n: TestNode): Message[] {
    if (!n.node.hasReady()) return [];
    const rd = n.node.ready();
    const out = handleReadyOf(n, rd);
    const last = rd.entries.at(-1);
    if (last) {
      if (this.held?.has(n.id)) this.waiting.set(n.id, [...(this.waiting.get(n.id) ?? []), [last.index, last.term]]);
      else n.node.persisted(last.index, last.term);
    }
    return out;
  }

  release(id: NodeId): void {
    for (const [i, t] of this.waiting.get(id) ?? []) this.get(id).node.persisted(i, t);
    this.waiting.delete(id);
    this.held?.delete(id);
  }

  /** Cycles until nothing is queued and no node has a Ready. */
  settle(): void {
    for (let k = 0; k < 1000; k++) {
      this.collect();
      if (this.queue.length === 0 && ![...this.nodes.values()].some((n) => n.node.hasReady())) return;
      this.deliver();
    }
    throw new Error('network did not settle');
  }
}

function cluster(): ReportingNetwork {
  const net = new ReportingNetwork([1, 2, 3], { leaderPersistReports: true });
  net.held = new Set();
  net.get(1).node.campaign();
  net.settle();
  assert.equal(net.leader(), 1);
  return net;
}

describe('raft core: leaderPersistReports (Raft thesis §10.2.1)', () => {
  it("commits on the followers' durable copies while the leader's own is still being synced", () => {
    const net = cluster();
    net.held!.add(1);
    net.get(1).node.propose(bytes('a'));
    net.settle();
    assert.deepEqual(net.appliedData(1), ['a']);
  });

  it("does not count the leader's unreported write: with one follower away nothing commits until the report", () => {
    const net = cluster();
    net.held!.add(1);
    net.isolate(3);
    net.get(1).node.propose(bytes('b'));
    net.settle();
    assert.deepEqual(net.appliedData(1), []);
    net.release(1);
    net.settle();
    assert.deepEqual(net.appliedData(1), ['b']);
    assert.deepEqual(net.appliedData(2), ['b']);
  });

  it('ignores a report for an entry the log no longer holds at that term', () => {
    const net = cluster();
    net.isolate(2);
    net.isolate(3);
    const before = net.get(1).node.status().commit;
    net.get(1).node.persisted(before + 5, 1);
    net.get(1).node.persisted(before, 99);
    net.settle();
    assert.equal(net.get(1).node.status().commit, before);
  });
});
