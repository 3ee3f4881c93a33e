import assert from 'node:assert/strict';
import { ConflictError, InvalidArgumentError } from '../../../src/api';
import { pickSubnet, validateNetworkCreate } from '../../../worker/network/network-def';
import { formatSubnet, parseSubnet } from '../../../worker/network/subnet';

describe('network create requests', () => {
  it('accept what docker network create sends', () => {
    const v = validateNetworkCreate({
      Name: 'app',
      Driver: 'bridge',
      Scope: '',
      IPAM: { Driver: 'default', Options: {}, Config: [] },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigOnly: false,
      ConfigFrom: { Network: '' },
      Options: {},
      Labels: { team: 'a' },
      CheckDuplicate: true,
    });
    assert.deepEqual(v, { name: 'app', internal: false, attachable: false, labels: { team: 'a' }, options: {} });
    const s = validateNetworkCreate({
      Name: 'x',
      IPAM: { Config: [{ Subnet: '10.50.0.0/24', Gateway: '10.50.0.254' }] },
    });
    assert.equal(formatSubnet(s.subnet!), '10.50.0.0/24');
    assert.equal(s.gateway, '10.50.0.254');
  });
  it('refuse what they cannot do, naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{}, /Name/],
      [{ Name: 'a b' }, /Name "a b"/],
      [{ Name: 'x', Driver: 'overlay' }, /Driver "overlay"/],
      [{ Name: 'x', EnableIPv6: true }, /EnableIPv6/],
      [{ Name: 'x', Ingress: true }, /Ingress/],
      [{ Name: 'x', Internal: 'yes' }, /Internal/],
      [{ Name: 'x', Labels: { a: 1 } }, /Labels\["a"\]/],
      [{ Name: 'x', IPAM: { Config: [{}] } }, /IPAM\.Config\[0\]\.Subnet/],
      [{ Name: 'x', IPAM: { Config: [{ Subnet: '10.0.0.1/24' }] } }, /IPAM\.Config\[0\]\.Subnet/],
      [{ Name: 'x', IPAM: { Config: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.1.1' }] } }, /Gateway "10\.0\.1\.1"/],
      [{ Name: 'x', IPAM: { Config: [{ Subnet: '10.0.0.0/24', IPRange: '10.0.0.0/25' }] } }, /IPRange/],
      [{ Name: 'x', IPAM: { Driver: 'dhcp' } }, /IPAM\.Driver/],
    ];
    for (const [body, re] of bad) {
      assert.throws(
        () => validateNetworkCreate(body as never),
        (e: Error) => e instanceof InvalidArgumentError && re.test(e.message),
        JSON.stringify(body),
      );
    }
  });
  it('pick the first free /24 of the pool', () => {
    const pool = parseSubnet('10.198.0.0/16');
    assert.equal(formatSubnet(pickSubnet(pool, [])), '10.198.0.0/24');
    assert.equal(
      formatSubnet(pickSubnet(pool, [parseSubnet('10.198.0.0/23'), parseSubnet('10.198.2.0/24')])),
      '10.198.3.0/24',
    );
    assert.throws(() => pickSubnet(parseSubnet('10.198.0.0/24'), [parseSubnet('10.198.0.0/16')]), ConflictError);
  });
});
