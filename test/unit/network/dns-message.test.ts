import assert from 'node:assert/strict';
import { buildDnsAnswer, buildDnsServfail, parseDnsQuery } from '../../../worker/network/dns-message';

function query(name: string, type = 1, id = 0x1234): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  const header = Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail]);
}

describe('network DNS messages', () => {
  it('parse a query and answer with A records', () => {
    const msg = query('DB.example');
    const q = parseDnsQuery(msg)!;
    assert.deepEqual([q.id, q.name, q.type, q.qclass, q.recursionDesired], [0x1234, 'db.example', 1, 1, true]);
    const ans = buildDnsAnswer(msg, q, ['10.198.0.2', '10.198.0.3']);
    assert.equal(ans.readUInt16BE(0), 0x1234);
    assert.equal(ans.readUInt16BE(2) & 0x800f, 0x8000); // response, NOERROR
    assert.equal(ans.readUInt16BE(6), 2);
    const rr = ans.subarray(12 + (q.questionEnd - 12));
    assert.deepEqual([...rr.subarray(12, 16)], [10, 198, 0, 2]);
    assert.equal(rr.readUInt32BE(6), 600);
  });
  it('answer NXDOMAIN and SERVFAIL', () => {
    const msg = query('nope');
    const q = parseDnsQuery(msg)!;
    assert.equal(buildDnsAnswer(msg, q, null).readUInt16BE(2) & 0xf, 3);
    assert.equal(buildDnsServfail(msg, q).readUInt16BE(2) & 0xf, 2);
    assert.equal(buildDnsAnswer(msg, q, []).readUInt16BE(6), 0);
  });
  it('ignore junk and responses', () => {
    assert.equal(parseDnsQuery(Buffer.alloc(5)), null);
    const resp = query('x');
    resp[2] |= 0x80;
    assert.equal(parseDnsQuery(resp), null);
    const truncated = query('abc').subarray(0, 15);
    assert.equal(parseDnsQuery(truncated), null);
  });
});
