import assert from 'node:assert/strict';
import { networkCreateBody } from '../../../cli/commands/network';

describe('tsswarm network create', () => {
  it('sends the docker CLI body: driver, IPAM config, flags, labels, options', () => {
    assert.deepEqual(
      networkCreateBody('app', {
        driver: 'overlay',
        subnet: '10.9.0.0/24',
        gateway: '10.9.0.1',
        attachable: true,
        label: ['a=b', 'c'],
        opt: ['x=y'],
      }),
      {
        Name: 'app',
        Driver: 'overlay',
        Scope: '',
        IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.9.0.0/24', Gateway: '10.9.0.1' }] },
        Internal: false,
        Attachable: true,
        Ingress: false,
        ConfigOnly: false,
        ConfigFrom: null,
        Options: { x: 'y' },
        Labels: { a: 'b', c: '' },
      },
    );
    assert.equal(networkCreateBody('n', {}).Driver, 'bridge');
    assert.throws(() => networkCreateBody('n', { gateway: '10.0.0.1' }), /corresponding subnet/);
  });
});
