import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../src/api';
import {
  formatIpv4,
  formatSubnet,
  gatewayOf,
  parseIpv4,
  parseSubnet,
  subnetContains,
  subnetsOverlap,
} from '../../../worker/network/subnet';
import { supernetsOf } from '../../../src/api';

describe('network subnet', () => {
  it('parses and formats IPv4 addresses', () => {
    assert.equal(parseIpv4('10.197.0.1'), 0x0ac50001);
    assert.equal(formatIpv4(0xffffffff), '255.255.255.255');
    assert.equal(parseIpv4('256.0.0.1'), null);
    assert.equal(parseIpv4('1.2.3'), null);
  });
  it('parses a subnet and derives the gateway', () => {
    const s = parseSubnet('10.197.0.0/16');
    assert.equal(formatSubnet(s), '10.197.0.0/16');
    assert.equal(gatewayOf(s), '10.197.0.1');
    assert.ok(subnetContains(s, parseIpv4('10.197.255.254')!));
    assert.ok(!subnetContains(s, parseIpv4('10.198.0.1')!));
  });
  it('rejects bad subnets naming the field', () => {
    assert.throws(
      () => parseSubnet('10.197.0.1/16'),
      (e: Error) => e instanceof InvalidArgumentError && /subnet.*host bits.*10\.197\.0\.0\/16/.test(e.message),
    );
    assert.throws(() => parseSubnet('10.0.0.0/31'), /invalid subnet/);
    assert.throws(() => parseSubnet('fd00::/64', 'bridge subnet'), /invalid bridge subnet/);
    assert.throws(() => parseSubnet('10.0.0.0'), /invalid subnet/);
  });
  it('detects overlap, including with Docker default 172.17.0.0/16', () => {
    const docker = parseSubnet('172.17.0.0/16');
    assert.ok(!subnetsOverlap(parseSubnet('10.197.0.0/16'), docker));
    assert.ok(subnetsOverlap(parseSubnet('172.16.0.0/12'), docker));
    assert.ok(subnetsOverlap(parseSubnet('172.17.3.0/24'), docker));
    assert.ok(!subnetsOverlap(parseSubnet('10.197.0.0/24'), parseSubnet('10.197.1.0/24')));
  });

  it('lists the supernets of a subnet, /0 first', () => {
    const sup = supernetsOf(parseSubnet('10.8.3.0/24')).map(formatSubnet);
    assert.equal(sup.length, 24);
    assert.deepEqual(sup.slice(0, 2), ['0.0.0.0/0', '0.0.0.0/1']);
    assert.deepEqual(sup.slice(-3), ['10.8.0.0/21', '10.8.0.0/22', '10.8.2.0/23']);
    assert.deepEqual(supernetsOf({ network: 0, prefixLen: 0 }), []);
  });
});
