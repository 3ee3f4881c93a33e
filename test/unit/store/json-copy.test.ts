import assert from 'node:assert/strict';
import { jsonCopy } from '../../../src/store/json-copy';

const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('store: jsonCopy', () => {
  it('copies as a JSON round trip does', () => {
    const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    const values: unknown[] = [
      { a: 1, b: 'x', c: true, d: null, e: [1, 'two', null, { f: [] }], g: {} },
      { gone: undefined, fn: () => 1, sym: Symbol('s'), kept: 0 },
      { arr: [undefined, () => 1, Symbol('s'), NaN, Infinity, -0, 1.5] },
      { nan: NaN, inf: -Infinity, when, nested: { toJSON: (k: string) => `key ${k}` } },
      { map: new Map([[1, 2]]), set: new Set([1]), regexp: /x/g },
      [{ ID: 'a', Spec: { Labels: { 'com.example': 'v' } } }],
      { toJSON: () => ({ replaced: true }) },
      { dropped: { toJSON: () => undefined }, list: [{ toJSON: () => undefined }] },
    ];
    for (const v of values) assert.deepEqual(jsonCopy(v), roundTrip(v));
  });

  it('shares nothing with the original', () => {
    const o = { a: { b: [1, { c: 2 }] } };
    const c = jsonCopy(o);
    c.a.b.push(3);
    (c.a.b[1] as { c: number }).c = 9;
    assert.deepEqual(o, { a: { b: [1, { c: 2 }] } });
  });

  it('throws on a BigInt, as JSON does', () => {
    assert.throws(() => jsonCopy({ n: 1n }), TypeError);
  });
});
