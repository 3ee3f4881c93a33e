import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../src/api';
import { filterNetworks } from '../../../worker/network';
import { networkResource } from '../../../worker/network/network-resource';

const base = { created: 'x', builtin: true, internal: false, attachable: false, labels: {}, options: {} };
const nets = [
  networkResource({ ...base, name: 'bridge', kind: 'bridge', id: '0'.repeat(64) }, {}, 1500),
  networkResource({ ...base, name: 'host', kind: 'host', id: '1'.repeat(64) }, {}, 1500),
  networkResource({ ...base, name: 'none', kind: 'none', id: '2'.repeat(64) }, {}, 1500),
  networkResource(
    { ...base, builtin: false, name: 'app', kind: 'bridge', id: '3'.repeat(64), labels: { a: 'b' } },
    {},
    1500,
  ),
];
const names = (f: Record<string, string[]>) => filterNetworks(nets, f).map((n) => n.Name);

describe('network list filters', () => {
  it('match as Docker does', () => {
    assert.deepEqual(names({}), ['bridge', 'host', 'none', 'app']);
    assert.deepEqual(names({ driver: ['null'] }), ['none']);
    assert.deepEqual(names({ name: ['o'] }), ['host', 'none']);
    assert.deepEqual(names({ driver: ['bridge'] }), ['bridge', 'app']);
    assert.deepEqual(names({ id: ['111'] }), ['host']);
    assert.deepEqual(names({ type: ['builtin'], scope: ['local'] }), ['bridge', 'host', 'none']);
    assert.deepEqual(names({ id: ['3333'] }), ['app']);
    assert.deepEqual(names({ type: ['custom'] }), ['app']);
    assert.deepEqual(names({ dangling: ['true'] }), ['app']);
    assert.deepEqual(names({ label: ['a=b'] }), ['app']);
    assert.deepEqual(names({ label: ['a'] }), ['app']);
    assert.deepEqual(names({ label: ['a=c'] }), []);
    assert.deepEqual(names({ driver: ['null', 'host'] }), ['host', 'none']);
  });
  it('refuse unknown keys and values', () => {
    assert.throws(
      () => names({ colour: ['x'] }),
      (e: Error) => e instanceof InvalidArgumentError && /colour/.test(e.message),
    );
    assert.throws(() => names({ type: ['weird'] }), /type/);
    assert.throws(() => names({ dangling: ['maybe'] }), /dangling/);
  });
});
