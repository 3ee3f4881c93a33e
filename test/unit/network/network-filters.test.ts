import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../src/api';
import { filterNetworks } from '../../../worker/network';
import { builtinNetworkResource } from '../../../worker/network/network-resource';

const nets = (['bridge', 'host', 'none'] as const).map((name, i) =>
  builtinNetworkResource({ name, id: String(i).repeat(64), created: 'x' }, {}),
);
const names = (f: Record<string, string[]>) => filterNetworks(nets, f).map((n) => n.Name);

describe('network list filters', () => {
  it('match as Docker does', () => {
    assert.deepEqual(names({}), ['bridge', 'host', 'none']);
    assert.deepEqual(names({ driver: ['null'] }), ['none']);
    assert.deepEqual(names({ name: ['o'] }), ['host', 'none']);
    assert.deepEqual(names({ id: ['111'] }), ['host']);
    assert.deepEqual(names({ type: ['builtin'], scope: ['local'] }), ['bridge', 'host', 'none']);
    assert.deepEqual(names({ type: ['custom'] }), []);
    assert.deepEqual(names({ dangling: ['true'] }), []);
    assert.deepEqual(names({ label: ['a=b'] }), []);
    assert.deepEqual(names({ driver: ['bridge', 'host'] }), ['bridge', 'host']);
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
