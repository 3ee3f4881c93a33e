import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { bridgeConflist } from '../../../worker/network/bridge-conflist';
import type { NetworkDef } from '../../../worker/network/network-def';
import { networkResource } from '../../../worker/network/network-resource';

function def(name: 'bridge' | 'host' | 'none', extra: Partial<NetworkDef> = {}): NetworkDef {
  const bridge = name === 'bridge' ? { bridgeName: 'tsswarm0', subnet: '10.197.0.0/16', gateway: '10.197.0.1' } : {};
  return {
    id: ID,
    name,
    created: '2026-01-01T00:00:00Z',
    kind: name,
    builtin: true,
    internal: false,
    attachable: false,
    labels: {},
    options: {},
    ...bridge,
    ...extra,
  };
}

const ID = 'a'.repeat(64);

describe('network resources', () => {
  it('have the keys of a real Docker network for each built-in network', () => {
    const ref = path.resolve(__dirname, '../../../../../shared/docker-api/GET_networks.json');
    const docker = fs.existsSync(ref)
      ? (JSON.parse(fs.readFileSync(ref, 'utf8')) as Array<Record<string, unknown>>)
      : null;
    for (const name of ['bridge', 'host', 'none'] as const) {
      const ours = networkResource(def(name), {}, 1500);
      assert.equal(ours.Scope, 'local');
      if (docker) {
        const theirs = docker.find((n) => n.Name === name)!;
        assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), name);
        assert.equal(ours.Driver, theirs.Driver);
        if (name !== 'bridge') assert.deepEqual(ours.IPAM, theirs.IPAM);
        assert.deepEqual(Object.keys(ours.Options).sort(), Object.keys(theirs.Options as object).sort());
      }
    }
    const br = networkResource(def('bridge'), {}, 1400);
    assert.deepEqual(br.IPAM.Config, [{ Subnet: '10.197.0.0/16', Gateway: '10.197.0.1' }]);
    assert.equal(br.Options['com.docker.network.bridge.name'], 'tsswarm0');
    assert.equal(br.Options['com.docker.network.driver.mtu'], '1400');
    const custom = networkResource(
      def('bridge', { name: 'mynet', builtin: false, internal: true, labels: { a: 'b' }, options: { x: 'y' } }),
      {},
      1400,
    );
    assert.deepEqual(
      [custom.Name, custom.Internal, custom.Labels, custom.Options],
      ['mynet', true, { a: 'b' }, { x: 'y' }],
    );
  });
  it('builds the bridge conflist: gateway, masquerade, hairpin, host-local, portmap', () => {
    const c = bridgeConflist({
      name: 'tsswarm0',
      bridgeName: 'tsswarm0',
      subnet: '10.197.0.0/16',
      gateway: '10.197.0.1',
      mtu: 1500,
      ipamDataDir: '/d/ipam',
      portmap: true,
    });
    assert.deepEqual(
      c.plugins.map((p) => p.type),
      ['bridge', 'portmap'],
    );
    const br = c.plugins[0] as Record<string, unknown>;
    assert.equal(br.isGateway, true);
    assert.equal(br.ipMasq, true);
    assert.equal(br.hairpinMode, true);
    assert.deepEqual((br.ipam as Record<string, unknown>).ranges, [
      [{ subnet: '10.197.0.0/16', gateway: '10.197.0.1' }],
    ]);
    assert.deepEqual(c.plugins[1].capabilities, { portMappings: true });
    const plain = bridgeConflist({
      name: 'n',
      bridgeName: 'b',
      subnet: '10.197.0.0/16',
      gateway: '10.197.0.1',
      mtu: 1500,
      ipamDataDir: '/d',
      portmap: false,
    });
    assert.deepEqual(
      plain.plugins.map((p) => p.type),
      ['bridge'],
    );
    const internal = bridgeConflist({
      name: 'n',
      bridgeName: 'b',
      subnet: '10.1.0.0/24',
      gateway: '10.1.0.1',
      mtu: 1500,
      ipamDataDir: '/d',
      portmap: false,
      internal: true,
    });
    const ib = internal.plugins[0] as Record<string, unknown>;
    assert.deepEqual([ib.isGateway, ib.ipMasq, (ib.ipam as Record<string, unknown>).routes], [false, false, []]);
  });
});
