import assert from 'node:assert/strict';
import { checkKvHistory, checkRegister, type KvOp } from './linearizability';

function put(client: number, key: string, value: string, invoke: number, ret: number): KvOp {
  return { client, kind: 'put', key, value, invoke, ret };
}
function get(client: number, key: string, value: string | null, invoke: number, ret: number): KvOp {
  return { client, kind: 'get', key, value, invoke, ret };
}

describe('linearizability checker (Wing & Gong search with memoization)', () => {
  it('accepts a sequential history', () => {
    assert.ok(
      checkRegister([put(1, 'k', 'a', 0, 1), get(2, 'k', 'a', 2, 3), put(1, 'k', 'b', 4, 5), get(2, 'k', 'b', 6, 7)]),
    );
  });

  it('accepts reads of either value while a write is concurrent', () => {
    assert.ok(
      checkRegister([put(1, 'k', 'a', 0, 1), put(2, 'k', 'b', 2, 10), get(3, 'k', 'a', 3, 4), get(3, 'k', 'b', 5, 6)]),
    );
  });

  it('rejects a stale read after a completed write', () => {
    assert.equal(checkRegister([put(1, 'k', 'a', 0, 1), put(1, 'k', 'b', 2, 3), get(2, 'k', 'a', 4, 5)]), false);
  });

  it('rejects a read that goes back in time (new value, then old value)', () => {
    assert.equal(
      checkRegister([put(1, 'k', 'a', 0, 1), put(2, 'k', 'b', 2, 20), get(3, 'k', 'b', 3, 4), get(3, 'k', 'a', 5, 6)]),
      false,
    );
  });

  it('rejects reading a value never written', () => {
    assert.equal(checkRegister([get(1, 'k', 'zz', 0, 1)]), false);
    assert.ok(checkRegister([get(1, 'k', null, 0, 1)]));
  });

  it('lets a write with an unknown outcome take effect late, or never', () => {
    assert.ok(checkRegister([put(1, 'k', 'a', 0, Infinity), get(2, 'k', null, 1, 2), get(2, 'k', 'a', 3, 4)]));
    assert.ok(checkRegister([put(1, 'k', 'a', 0, Infinity), get(2, 'k', null, 10, 20)]));
    assert.equal(
      checkRegister([put(1, 'k', 'a', 5, Infinity), get(2, 'k', 'a', 0, 2)]),
      false,
      'not before it was invoked',
    );
  });

  it('checks keys independently and names the failing one', () => {
    const r = checkKvHistory([
      put(1, 'x', '1', 0, 1),
      get(2, 'x', '1', 2, 3),
      put(1, 'y', '1', 0, 1),
      get(2, 'y', null, 2, 3),
    ]);
    assert.equal(r.ok, false);
    assert.equal(r.key, 'y');
  });

  it('handles a long concurrent history quickly', () => {
    const ops: KvOp[] = [];
    let t = 0;
    for (let i = 0; i < 300; i++) {
      ops.push(put(i % 4, 'k', `v${i}`, t, t + 3));
      ops.push(get((i + 1) % 4, 'k', `v${i}`, t + 2, t + 5));
      t += 4;
    }
    assert.ok(checkRegister(ops));
  });
});
