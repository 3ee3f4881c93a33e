import assert from 'node:assert/strict';
import { ingressNetworkObject, newNetworkObject } from '../../../manager/allocator';

describe('network objects', () => {
  it('builds the ingress network as Docker stores it: 10.0.0.0/24, VNI 4096', () => {
    assert.deepEqual(ingressNetworkObject(), {
      Spec: {
        Name: 'ingress',
        Labels: {},
        DriverConfiguration: {},
        Ingress: true,
        IPAMOptions: { Driver: {} },
        Scope: 'swarm',
      },
      DriverState: { Name: 'overlay', Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4096' } },
      IPAMOptions: { Driver: { Name: 'default' }, Configs: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }] },
    });
  });

  it('keeps a user spec and adds the swarm scope', () => {
    const o = newNetworkObject(
      { Name: 'app', Labels: { a: 'b' }, DriverConfiguration: { Name: 'overlay' }, Attachable: true },
      { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097 },
    );
    assert.equal(o.Spec.Scope, 'swarm');
    assert.equal(o.Spec.Attachable, true);
    assert.equal(o.DriverState?.Options?.['com.docker.network.driver.overlay.vxlanid_list'], '4097');
  });
});
