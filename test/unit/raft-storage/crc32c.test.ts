import { strict as assert } from 'node:assert';
import { crc32c } from '../../../src/raft/storage';

describe('raft storage: crc32c', () => {
  it('matches the published check value and RFC 3720 vectors', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    const inc = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) inc[i] = i;
    assert.equal(crc32c(inc), 0x46dd794e);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('extends across chunks and sub-ranges like one pass', () => {
    const buf = Buffer.from('The quick brown fox jumps over the lazy dog, twice over');
    const whole = crc32c(buf);
    for (const cut of [1, 7, 8, 9, 20]) assert.equal(crc32c(buf.subarray(cut), crc32c(buf.subarray(0, cut))), whole);
    assert.equal(crc32c(buf, 0, 3, 11), crc32c(buf.subarray(3, 11)));
  });
});
