import assert from 'node:assert/strict';
import { MessageType, StateRole } from '../../../src/raft';
import { ProposalDroppedError } from '../../../src/raft/core';
import { bytes, Network } from './network';

describe('raft core: leadership transfer (Raft thesis §3.10)', () => {
  it('§3.10 TimeoutNow makes an up-to-date transferee campaign at once and win', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    let timeoutNow = 0;
    net.drop = (m) => {
      if (m.type === MessageType.TimeoutNow) timeoutNow++;
      return false;
    };
    net.get(1).node.transferLeadership(3);
    net.stabilize();
    assert.equal(timeoutNow, 1);
    assert.equal(net.leader(), 3);
    assert.equal(net.get(1).node.status().role, StateRole.Follower);
  });

  it('§3.10 the leader first brings a lagging transferee up to date', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.get(1).node.propose(bytes('a'));
    net.stabilize();
    net.heal();
    net.get(1).node.transferLeadership(3);
    net.stabilize();
    assert.equal(net.leader(), 3);
    assert.deepEqual(net.appliedData(3), ['a']);
  });

  it('§3.10 proposals are refused while a transfer is under way, and it times out', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.get(1).node.propose(bytes('a'));
    net.stabilize();
    net.get(1).node.transferLeadership(3);
    net.stabilize();
    assert.throws(
      () => net.get(1).node.propose(bytes('b')),
      (e: unknown) => e instanceof ProposalDroppedError && e.leader === 3,
      'the error names the transferee, the likely next leader',
    );
    for (let i = 0; i < 10; i++) {
      net.tickAll();
      net.stabilize();
    }
    assert.equal(net.get(1).node.status().leadTransferee, 0);
    net.get(1).node.propose(bytes('c'));
  });

  it('§3.10 a follower forwards a transfer request to the leader', () => {
    const net = new Network([1, 2, 3]);
    net.elect(1);
    net.get(2).node.transferLeadership(2);
    net.stabilize();
    assert.equal(net.leader(), 2);
  });
});
