import assert from 'node:assert/strict';
import {
  bitString,
  boolean,
  children,
  decode,
  encodeLength,
  explicit,
  generalizedTime,
  implicit,
  integer,
  ipToBytes,
  namedBits,
  nul,
  octetString,
  oid,
  printableString,
  readInteger,
  readOid,
  readString,
  sequence,
  set,
  utcTime,
  utf8String,
  x509Time,
} from '../../../src/pki';

const hex = (b: Buffer): string => b.toString('hex');

describe('pki/der encoder (X.690 DER)', () => {
  it('encodes INTEGER in minimal two’s complement', () => {
    assert.equal(hex(integer(0)), '020100');
    assert.equal(hex(integer(127)), '02017f');
    assert.equal(hex(integer(128)), '02020080');
    assert.equal(hex(integer(256)), '02020100');
    assert.equal(hex(integer(-1)), '0201ff');
    assert.equal(hex(integer(-128)), '020180');
    assert.equal(hex(integer(-129)), '0202ff7f');
    assert.equal(hex(integer(2n ** 64n)), '0209010000000000000000');
  });

  it('encodes a Buffer INTEGER as an unsigned magnitude (serial numbers)', () => {
    assert.equal(hex(integer(Buffer.from('80', 'hex'))), '02020080');
    assert.equal(hex(integer(Buffer.from('00007f', 'hex'))), '02017f');
    assert.equal(hex(integer(Buffer.from('000080', 'hex'))), '02020080');
    assert.equal(hex(integer(Buffer.alloc(0))), '020100');
  });

  it('encodes OBJECT IDENTIFIERs', () => {
    assert.equal(hex(oid('1.2.840.10045.2.1')), '06072a8648ce3d0201');
    assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
    assert.equal(hex(oid('2.5.29.19')), '0603551d13');
    assert.equal(hex(oid('2.999.3')), '0603883703');
    assert.throws(() => oid('1.40.1'), RangeError);
    assert.throws(() => oid('1'), RangeError);
    assert.throws(() => oid('3.1'), RangeError);
  });

  it('uses short lengths below 128 and long forms above 127 and 255', () => {
    assert.equal(hex(encodeLength(0)), '00');
    assert.equal(hex(encodeLength(127)), '7f');
    assert.equal(hex(encodeLength(128)), '8180');
    assert.equal(hex(encodeLength(255)), '81ff');
    assert.equal(hex(encodeLength(256)), '820100');
    assert.equal(hex(encodeLength(65535)), '82ffff');
    assert.equal(hex(encodeLength(65536)), '83010000');
    assert.equal(hex(octetString(Buffer.alloc(200)).subarray(0, 3)), '0481c8');
    assert.equal(hex(octetString(Buffer.alloc(300)).subarray(0, 4)), '0482012c');
    assert.equal(octetString(Buffer.alloc(300)).length, 304);
  });

  it('encodes the simple types', () => {
    assert.equal(hex(nul()), '0500');
    assert.equal(hex(boolean(true)), '0101ff');
    assert.equal(hex(boolean(false)), '010100');
    assert.equal(hex(bitString(Buffer.from([0xab]))), '030200ab');
    assert.equal(hex(utf8String('é')), '0c02c3a9');
    assert.equal(hex(printableString('swarm-ca')), '1308737761726d2d6361');
    assert.throws(() => printableString('a@b'), RangeError);
    assert.equal(hex(sequence()), '3000');
    assert.equal(hex(explicit(0, integer(2))), 'a003020102');
    assert.equal(hex(implicit(2, Buffer.from('ab'), false)), '82026162');
    assert.equal(hex(implicit(0, Buffer.alloc(0), true)), 'a000');
  });

  it('drops trailing zero bits of named bit strings (keyUsage)', () => {
    assert.equal(hex(namedBits([5, 6])), '03020106'); // keyCertSign, cRLSign
    assert.equal(hex(namedBits([0, 2])), '030205a0'); // digitalSignature, keyEncipherment
    assert.equal(hex(namedBits([0])), '03020780');
    assert.equal(hex(namedBits([8])), '0303070080'); // decipherOnly: second octet
    assert.equal(hex(namedBits([])), '030100');
  });

  it('sorts SET OF elements by encoding', () => {
    assert.equal(hex(set(integer(2), integer(1))), '3106020101020102');
  });

  it('writes UTCTime through 2049 and GeneralizedTime after', () => {
    const t = new Date('2026-11-22T17:05:11.789Z');
    assert.equal(utcTime(t).subarray(2).toString(), '261122170511Z');
    assert.equal(hex(utcTime(t).subarray(0, 2)), '170d');
    assert.equal(generalizedTime(t).subarray(2).toString(), '20261122170511Z');
    assert.equal(x509Time(new Date('2049-12-31T23:59:59Z'))[0], 0x17);
    assert.equal(x509Time(new Date('2050-01-01T00:00:00Z'))[0], 0x18);
    assert.throws(() => utcTime(new Date('2050-01-01T00:00:00Z')), RangeError);
    assert.throws(() => utcTime(new Date(NaN)), RangeError);
  });

  it('converts IP addresses for iPAddress SANs', () => {
    assert.equal(hex(ipToBytes('10.0.0.1')), '0a000001');
    assert.equal(hex(ipToBytes('::1')), '00000000000000000000000000000001');
    assert.equal(hex(ipToBytes('2001:db8::1')), '20010db8000000000000000000000001');
    assert.equal(hex(ipToBytes('fe80::')), 'fe800000000000000000000000000000');
    assert.equal(hex(ipToBytes('::ffff:1.2.3.4')), '00000000000000000000ffff01020304');
    assert.throws(() => ipToBytes('host'), RangeError);
  });
});

describe('pki/der decoder', () => {
  it('reads back what the encoder wrote', () => {
    const buf = sequence(
      integer(-129),
      oid('1.2.840.10045.4.3.2'),
      utf8String('node'),
      octetString(Buffer.alloc(300, 7)),
    );
    const [i, o, s, os] = children(decode(buf));
    assert.equal(readInteger(i!), -129n);
    assert.equal(readOid(o!), '1.2.840.10045.4.3.2');
    assert.equal(readString(s!), 'node');
    assert.equal(os!.content.length, 300);
    assert.equal(readOid(decode(oid('2.999.3'))), '2.999.3');
    assert.equal(readInteger(decode(integer(Buffer.from('ff', 'hex')))), 255n);
  });

  it('refuses non-DER and truncated input with InvalidArgumentError', () => {
    const bad = ['0481050000000000', '0480', '0405aabb', '30', '0201', '1f0100', '040100ff'];
    for (const h of bad) assert.throws(() => decode(Buffer.from(h, 'hex')), { name: 'InvalidArgumentError' }, h);
  });
});
