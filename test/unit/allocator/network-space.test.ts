import assert from 'node:assert/strict';
import { allocateNetworkSpace, FIRST_VNI, networkVni } from '../../../manager/allocator/network-space';
import type { NetworkObject } from '../../../src/api';
import { VXLAN_ID_OPTION } from '../../../src/rpc';

function net(name: string, subnet: string, vni: number): NetworkObject {
  return {
    ID: name,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: { Name: name },
    DriverState: { Name: 'overlay', Options: { [VXLAN_ID_OPTION]: String(vni) } },
    IPAMOptions: {
      Driver: { Name: 'default' },
      Configs: [{ Subnet: subnet, Gateway: subnet.replace(/0\/\d+$/, '1') }],
    },
  };
}

describe('allocateNetworkSpace', () => {
  it('gives the first network 10.0.0.0/24, gateway .1 and VNI 4096', () => {
    assert.deepEqual(allocateNetworkSpace([]), { subnet: '10.0.0.0/24', gateway: '10.0.0.1', vni: FIRST_VNI });
  });

  it('takes the first free /24 and the lowest free VNI', () => {
    const existing = [net('a', '10.0.0.0/24', 4096), net('b', '10.0.2.0/24', 4098)];
    assert.deepEqual(allocateNetworkSpace(existing), { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097 });
  });

  it('skips /24s a larger user subnet covers', () => {
    const existing = [net('a', '10.0.0.0/16', 4096)];
    assert.equal(allocateNetworkSpace(existing).subnet, '10.1.0.0/24');
  });

  it('honours a given subnet and gateway', () => {
    assert.deepEqual(allocateNetworkSpace([], { subnet: '192.168.7.0/24', gateway: '192.168.7.254' }), {
      subnet: '192.168.7.0/24',
      gateway: '192.168.7.254',
      vni: 4096,
    });
  });

  it('refuses a subnet that overlaps another network, naming it (409)', () => {
    assert.throws(
      () => allocateNetworkSpace([net('a', '10.0.0.0/24', 4096)], { subnet: '10.0.0.0/16' }),
      (e: any) => e.httpStatus === 409 && /overlaps network a \(10\.0\.0\.0\/24\)/.test(e.message),
    );
  });

  it('refuses a bad subnet or a gateway outside it (400, the field named)', () => {
    assert.throws(
      () => allocateNetworkSpace([], { subnet: '10.0.0.1/24' }),
      (e: any) => e.httpStatus === 400 && /IPAM.Config\[0\].Subnet/.test(e.message),
    );
    assert.throws(
      () => allocateNetworkSpace([], { subnet: '10.9.0.0/24', gateway: '10.8.0.1' }),
      (e: any) => e.httpStatus === 400 && /IPAM.Config\[0\].Gateway/.test(e.message),
    );
  });

  it('reads the VNI from DriverState', () => {
    assert.equal(networkVni(net('a', '10.0.0.0/24', 4100)), 4100);
    assert.equal(networkVni({ ...net('a', '10.0.0.0/24', 1), DriverState: undefined }), undefined);
  });
});
