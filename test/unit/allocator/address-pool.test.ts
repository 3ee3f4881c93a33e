import assert from 'node:assert/strict';
import { AddressPool } from '../../../manager/allocator/address-pool';
import { PortPool } from '../../../manager/allocator/port-pool';

describe('AddressPool', () => {
  it('hands out the lowest free host address, skipping network, gateway and broadcast', () => {
    const p = new AddressPool('10.0.1.0/30', '10.0.1.1');
    assert.equal(p.allocate(), '10.0.1.2/30');
    assert.throws(() => p.allocate(), /no free address/);
    assert.equal(p.reserve('10.0.1.3'), false, 'the broadcast address is not a host address');
  });

  it('reuses released addresses first and keeps reserved ones', () => {
    const p = new AddressPool('10.0.1.0/24', '10.0.1.1');
    assert.equal(p.reserve('10.0.1.3/24'), true);
    assert.equal(p.allocate(), '10.0.1.2/24');
    assert.equal(p.allocate(), '10.0.1.4/24');
    p.release('10.0.1.2/24');
    p.release('10.0.1.1');
    assert.equal(p.allocate(), '10.0.1.2/24');
    assert.equal(p.allocate(), '10.0.1.5/24');
    assert.equal(p.reserve('10.0.2.3'), false, 'outside the subnet');
  });
});

describe('PortPool', () => {
  it('gives dynamic ports from 30000, per protocol, and refuses a port another service holds', () => {
    const p = new PortPool();
    p.reserve('a', 'tcp', 30000);
    assert.equal(p.allocate('b', 'tcp'), 30001);
    assert.equal(p.allocate('b', 'udp'), 30000);
    assert.throws(
      () => p.reserve('c', 'tcp', 30001),
      (e: any) => e.httpStatus === 409 && /service 'b'/.test(e.message),
    );
    p.releaseService('b');
    assert.equal(p.owner('tcp', 30001), undefined);
    assert.equal(p.allocate('c', undefined), 30001);
  });
});
