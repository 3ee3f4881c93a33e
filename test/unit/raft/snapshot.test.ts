import assert from 'node:assert/strict';
import { MessageType } from '../../../src/raft';
import { bytes, Network } from './network';

describe('raft core: snapshots and log compaction (Raft §7)', () => {
  it('§7 a follower that needs compacted entries receives and restores a snapshot', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for (let i = 0; i < 20; i++) net.get(1).node.propose(bytes(`s${i}`));
    net.stabilize();
    const n1 = net.get(1);
    const cs = { voters: [1, 2, 3], learners: [] };
    n1.storage.createSnapshot(20, cs, bytes('state@20'));
    n1.storage.compact(20);
    net.heal();
    let snaps = 0;
    net.drop = (m) => {
      if (m.type === MessageType.Snap) {
        snaps++;
        // the transport reports delivery
        queueMicrotask(() => undefined);
      }
      return false;
    };
    net.tickAll();
    net.stabilize();
    assert.equal(snaps, 1);
    net.get(1).node.reportSnapshot(3, true);
    net.tickAll();
    net.stabilize();
    const n3 = net.get(3);
    assert.equal(n3.storage.snapshot().metadata.index, 20);
    assert.equal(Buffer.from(n3.storage.snapshot().data).toString(), 'state@20');
    assert.equal(n3.storage.lastIndex(), 24);
    assert.equal(n3.node.status().applied, 24);
    assert.deepEqual(net.appliedData(3), ['s16', 's17', 's18', 's19']);
  });

  it('§7 a failed snapshot send is retried', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for (let i = 0; i < 5; i++) net.get(1).node.propose(bytes(`s${i}`));
    net.stabilize();
    net.get(1).storage.createSnapshot(9, { voters: [1, 2, 3], learners: [] }, bytes('x'));
    net.get(1).storage.compact(9);
    net.heal();
    let snaps = 0;
    net.drop = (m) => m.type === MessageType.Snap && ++snaps === 1;
    net.tickAll();
    net.stabilize();
    net.get(1).node.reportSnapshot(3, false);
    for (let i = 0; i < 3; i++) {
      net.tickAll();
      net.stabilize();
    }
    assert.equal(snaps, 2);
    assert.equal(net.get(3).storage.snapshot().metadata.index, 9);
  });
});
