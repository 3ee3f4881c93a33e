import assert from 'node:assert/strict';
import { MessageType, type ReadState, type Ready } from '../../../src/raft';
import { bytes, Network, runReady, type TestNode } from './network';

/** Runs one Ready by hand to capture read states. */
function captureReads(net: Network, n: TestNode): ReadState[] {
  const out: ReadState[] = [];
  const orig = n.node.ready.bind(n.node);
  n.node.ready = (): Ready => {
    const rd = orig();
    out.push(...rd.readStates);
    return rd;
  };
  net.stabilize();
  n.node.ready = orig;
  return out;
}

describe('raft core: ReadIndex (Raft thesis §6.4)', () => {
  it('§6.4 the leader answers a read after a heartbeat round confirms its leadership', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.get(1).node.propose(bytes('w'));
    net.stabilize();
    let hbWithCtx = 0;
    net.drop = (m) => {
      if (m.type === MessageType.Heartbeat && m.context && m.context.length > 0) hbWithCtx++;
      return false;
    };
    net.get(1).node.readIndex(bytes('r1'));
    const reads = captureReads(net, net.get(1));
    assert.equal(hbWithCtx, 2);
    assert.equal(reads.length, 1);
    assert.equal(Buffer.from(reads[0].context).toString(), 'r1');
    assert.equal(reads[0].index, 5);
  });

  it('§6.4 a leader cut off from the majority does not answer reads', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.get(1).node.readIndex(bytes('r'));
    assert.equal(captureReads(net, net.get(1)).length, 0);
  });

  it("§6.4 a follower's read is forwarded and answered with the leader's commit index", () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.get(1).node.propose(bytes('w'));
    net.stabilize();
    net.get(3).node.readIndex(bytes('f'));
    const reads = captureReads(net, net.get(3));
    assert.equal(reads.length, 1);
    assert.equal(reads[0].index, 5);
  });

  it('§6.4 a new leader answers reads only after committing an entry of its term', () => {
    const net = new Network([1, 2, 3], { checkQuorum: false });
    net.elect(1);
    // 2 becomes leader but its no-op is not acknowledged yet.
    net.get(2).node.campaign();
    let block = true;
    net.drop = (m) => block && m.type === MessageType.AppResp && m.to === 2;
    net.stabilize();
    const n2 = net.get(2);
    assert.equal(n2.node.status().role, 3);
    n2.node.readIndex(bytes('early'));
    assert.equal(captureReads(net, n2).length, 0);
    block = false;
    net.tickAll();
    const reads = captureReads(net, n2);
    assert.equal(reads.length, 1);
    assert.equal(reads[0].index, n2.node.status().commit);
    runReady(n2);
  });

  it('§6.4 a single-node leader answers at once', () => {
    const net = new Network([1]);
    net.elect(1);
    net.get(1).node.readIndex(bytes('s'));
    assert.equal(captureReads(net, net.get(1)).length, 1);
  });
});
