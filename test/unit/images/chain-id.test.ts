import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chainIds } from '../../../worker/engine/images';

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe('images/chain-id (OCI image spec, "ChainID")', () => {
  it('is the diff id for the bottom layer', () => {
    assert.deepEqual(chainIds([d('a')]), [d('a')]);
    assert.deepEqual(chainIds([]), []);
  });
  it('hashes "parent-chain diff" for each layer above', () => {
    const c1 = `sha256:${createHash('sha256')
      .update(`${d('a')} ${d('b')}`)
      .digest('hex')}`;
    const c2 = `sha256:${createHash('sha256')
      .update(`${c1} ${d('c')}`)
      .digest('hex')}`;
    assert.deepEqual(chainIds([d('a'), d('b'), d('c')]), [d('a'), c1, c2]);
  });
  it('matches a known value from the spec example shape', () => {
    // Two identical layers still get distinct chain ids.
    const [x, y] = chainIds([d('1'), d('1')]);
    assert.notEqual(x, y);
  });
});
