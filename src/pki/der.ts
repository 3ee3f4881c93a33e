/**
 * A small DER (X.690) encoder and decoder, just enough for X.509 certificates (RFC 5280) and
 * PKCS#10 requests (RFC 2986). node:crypto signs and verifies but cannot build either, and we keep
 * the dependency list short, so the structures are assembled here byte by byte.
 *
 * Encoders return complete TLVs (tag, length, content) as Buffers, so they nest by plain calls:
 * `sequence(integer(2), oid('1.2.840.10045.4.3.2'))`.
 */
import { InvalidArgumentError } from '../api';

/** Universal tag numbers used here (X.680 §8.4). */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Encodes a definite length: short form below 128, else long form with the fewest octets. */
export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad DER length ${length}`);
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One TLV with the given identifier octet. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

/**
 * INTEGER. A number or bigint is encoded in minimal two's complement; a Buffer is read as an
 * unsigned big-endian magnitude (serial numbers), so a leading 0x00 is added when its top bit is set.
 */
export function integer(value: number | bigint | Buffer): Buffer {
  if (Buffer.isBuffer(value)) {
    let i = 0;
    while (i < value.length - 1 && value[i] === 0) i++;
    const magnitude = value.subarray(i);
    const content = magnitude.length === 0 ? Buffer.from([0]) : magnitude;
    return tlv(Tag.INTEGER, content[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), content]) : content);
  }
  let n = BigInt(value);
  const octets: number[] = [];
  // Emit low octets until the rest is pure sign extension of the last emitted octet.
  for (;;) {
    const octet = Number(n & 0xffn);
    octets.unshift(octet);
    n >>= 8n;
    if ((n === 0n && (octet & 0x80) === 0) || (n === -1n && (octet & 0x80) !== 0)) break;
  }
  return tlv(Tag.INTEGER, Buffer.from(octets));
}

/** BOOLEAN (DER: TRUE is 0xff). */
export function boolean(value: boolean): Buffer {
  return tlv(Tag.BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
}

/** BIT STRING whose first content octet counts the unused bits of the last octet. */
export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  if (unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`bad unused bit count ${unusedBits}`);
  }
  return tlv(Tag.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A named-bit BIT STRING (keyUsage): bit 0 is the most significant bit of the first octet, and
 * DER drops trailing zero bits (X.690 §11.2.2).
 */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const top = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(top / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return bitString(bytes, 7 - (top & 7));
}

/** OCTET STRING. */
export function octetString(bytes: Buffer): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

/** NULL. */
export function nul(): Buffer {
  return Buffer.from([Tag.NULL, 0]);
}

/** OBJECT IDENTIFIER from dotted text, first two arcs combined, base-128 arcs (X.690 §8.19). */
export function oid(dotted: string): Buffer {
  if (!/^[0-2]\.\d+(\.\d+)*$/.test(dotted)) throw new RangeError(`bad OID ${dotted}`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [first, second, ...rest] = arcs as [bigint, bigint, ...bigint[]];
  if (first < 2n && second > 39n) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) chunk.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(Tag.OID, Buffer.from(out));
}

/** UTF8String. */
export function utf8String(text: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** PrintableString; refuses characters outside its set (X.680 §41.4). */
export function printableString(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new RangeError(`not printable: ${JSON.stringify(text)}`);
  return tlv(Tag.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

/** IA5String (ASCII), used by dNSName in subjectAltName. */
export function ia5String(text: string): Buffer {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`not IA5: ${JSON.stringify(text)}`);
  return tlv(Tag.IA5_STRING, Buffer.from(text, 'latin1'));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function assertDate(date: Date): void {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date');
}

/** UTCTime YYMMDDHHMMSSZ (whole seconds; RFC 5280 §4.1.2.5.1), for years 1950..2049. */
export function utcTime(date: Date): Buffer {
  assertDate(date);
  const y = date.getUTCFullYear();
  if (y < 1950 || y > 2049) throw new RangeError(`UTCTime cannot hold year ${y}`);
  return tlv(Tag.UTC_TIME, Buffer.from(timeText(pad(y % 100, 2), date), 'latin1'));
}

/** <year>MMDDHHMMSSZ in UTC, the common tail of UTCTime and GeneralizedTime. */
function timeText(year: string, date: Date): string {
  const parts = [
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  return year + parts.map((n) => pad(n, 2)).join('') + 'Z';
}

/** GeneralizedTime YYYYMMDDHHMMSSZ (whole seconds; RFC 5280 §4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  assertDate(date);
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(timeText(pad(date.getUTCFullYear(), 4), date), 'latin1'));
}

/** X.509 Time: UTCTime through 2049, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
export function x509Time(date: Date): Buffer {
  const y = date.getUTCFullYear();
  return y >= 1950 && y <= 2049 ? utcTime(date) : generalizedTime(date);
}

/** SEQUENCE of already-encoded elements. */
export function sequence(...elements: Buffer[]): Buffer {
  return tlv(Tag.SEQUENCE, Buffer.concat(elements));
}

/** SET OF, with elements sorted by their encodings as DER requires (X.690 §11.6). */
export function set(...elements: Buffer[]): Buffer {
  return tlv(Tag.SET, Buffer.concat([...elements].sort(Buffer.compare)));
}

/** [n] EXPLICIT: a constructed context tag wrapping one complete TLV. */
export function explicit(n: number, inner: Buffer): Buffer {
  if (n < 0 || n > 30) throw new RangeError(`context tag ${n} out of range`);
  return tlv(0xa0 | n, inner);
}

/**
 * [n] IMPLICIT: replaces the tag of a content. `constructed` must match the underlying type
 * (true for SEQUENCE/SET, false for strings).
 */
export function implicit(n: number, content: Buffer, constructed: boolean): Buffer {
  if (n < 0 || n > 30) throw new RangeError(`context tag ${n} out of range`);
  return tlv((constructed ? 0xa0 : 0x80) | n, content);
}

/** One decoded TLV. `raw` is the whole element (tag through content), as signed. */
export interface DerNode {
  readonly tag: number;
  readonly constructed: boolean;
  readonly content: Buffer;
  readonly raw: Buffer;
}

function malformed(what: string): InvalidArgumentError {
  return new InvalidArgumentError(`malformed DER: ${what}`);
}

/**
 * Decodes the TLV at `offset` in strict DER (definite minimal lengths, one-octet tags).
 * Throws InvalidArgumentError on any truncation or non-DER form.
 */
export function decodeAt(buf: Buffer, offset = 0): DerNode {
  if (offset + 2 > buf.length) throw malformed('truncated header');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed('multi-octet tags are not supported');
  let pos = offset + 1;
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw malformed('indefinite length');
    if (count > 4) throw malformed('length too large');
    if (pos + count > buf.length) throw malformed('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
    if (length < 0x80 || buf[pos - count] === 0) throw malformed('non-minimal length');
  }
  if (pos + length > buf.length) throw malformed('truncated content');
  return {
    tag,
    constructed: (tag & 0x20) !== 0,
    content: buf.subarray(pos, pos + length),
    raw: buf.subarray(offset, pos + length),
  };
}

/** Decodes a buffer that must hold exactly one TLV. */
export function decode(buf: Buffer): DerNode {
  const node = decodeAt(buf, 0);
  if (node.raw.length !== buf.length) throw malformed('trailing bytes');
  return node;
}

/** The elements inside a constructed node. */
export function children(node: DerNode): DerNode[] {
  if (!node.constructed) throw malformed(`tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let pos = 0; pos < node.content.length;) {
    const child = decodeAt(node.content, pos);
    out.push(child);
    pos += child.raw.length;
  }
  return out;
}

/** Checks a node's tag, naming what was expected. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw malformed(`missing ${what}`);
  if (node.tag !== tag) throw malformed(`${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

/** Dotted text of an OBJECT IDENTIFIER node. */
export function readOid(node: DerNode): string {
  expectTag(node, Tag.OID, 'OID');
  const arcs: bigint[] = [];
  let value = 0n;
  for (const octet of node.content) {
    value = (value << 7n) | BigInt(octet & 0x7f);
    if ((octet & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (arcs.length === 0 || (node.content[node.content.length - 1]! & 0x80) !== 0) throw malformed('OID');
  const head = arcs.shift()!;
  const first = head < 80n ? head / 40n : 2n;
  return [first, head - first * 40n, ...arcs].join('.');
}

/** The value of an INTEGER node as a bigint (two's complement). */
export function readInteger(node: DerNode): bigint {
  expectTag(node, Tag.INTEGER, 'INTEGER');
  if (node.content.length === 0) throw malformed('empty INTEGER');
  let n = BigInt('0x' + node.content.toString('hex'));
  if (node.content[0]! & 0x80) n -= 1n << BigInt(node.content.length * 8);
  return n;
}

/** The bytes of a BIT STRING node (refuses a partial last octet, which keys never have). */
export function readBitStringBytes(node: DerNode): Buffer {
  expectTag(node, Tag.BIT_STRING, 'BIT STRING');
  if (node.content.length === 0 || node.content[0] !== 0) throw malformed('BIT STRING with unused bits');
  return node.content.subarray(1);
}

/** The text of a string node (UTF8String, PrintableString, IA5String). */
export function readString(node: DerNode): string {
  switch (node.tag) {
    case Tag.UTF8_STRING:
      return node.content.toString('utf8');
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
      return node.content.toString('latin1');
    default:
      throw malformed(`tag 0x${node.tag.toString(16)} is not a string`);
  }
}
