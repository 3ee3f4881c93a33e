/**
 * WAL record framing: [u32 payload length][u32 crc32c(payload)][payload][zero pad to 8 bytes].
 * payload[0] is the record kind. A zero length marks the end of the written part of a
 * preallocated (zero-filled) segment. Records are 8-byte aligned so that recovery can scan for
 * a valid record after a damaged one, which tells a torn tail from corruption in the middle.
 */
import { crc32c } from './crc32c';
import { WalCorruptError } from './errors';

export const RECORD_HEADER = 8;

export enum RecordKind {
  Entries = 1,
  HardState = 2,
  /** A snapshot file at (index, term) exists; entries up to index are no longer needed. */
  SnapshotMarker = 3,
}

export interface RawRecord {
  readonly kind: RecordKind;
  /** Payload without the kind byte: [start, end) of the segment buffer. */
  readonly start: number;
  readonly end: number;
}

export function padded(n: number): number {
  return (n + 7) & ~7;
}

/** Writes one record framing `payload` (which begins with its kind byte) at `pos` of `out`. */
export function frameRecord(out: Buffer, pos: number, payload: Buffer): number {
  out.writeUInt32LE(payload.length, pos);
  out.writeUInt32LE(crc32c(payload), pos + 4);
  payload.copy(out, pos + RECORD_HEADER);
  const end = pos + RECORD_HEADER + payload.length;
  const padEnd = pos + RECORD_HEADER + padded(payload.length);
  out.fill(0, end, padEnd);
  return padEnd;
}

function validAt(buf: Buffer, p: number): boolean {
  const len = buf.readUInt32LE(p);
  if (len === 0 || p + RECORD_HEADER + len > buf.length) return false;
  return crc32c(buf, 0, p + RECORD_HEADER, p + RECORD_HEADER + len) === buf.readUInt32LE(p + 4);
}

/**
 * Parses the records of one segment. A damaged record in the last segment with no valid record
 * after it is a torn tail: parsing stops there and `end` says where the valid data ends.
 * Anything else damaged throws WalCorruptError.
 */
export function parseSegment(
  buf: Buffer,
  name: string,
  isLast: boolean,
): { records: RawRecord[]; end: number; torn: boolean } {
  const records: RawRecord[] = [];
  let p = 0;
  while (p + RECORD_HEADER <= buf.length) {
    const len = buf.readUInt32LE(p);
    if (len === 0) {
      // End of the written part. The rest of a segment is zeros, unless a torn write left
      // later pages behind: a valid record after this point means the gap is damage.
      if (isLast) {
        if (hasValidRecordAfter(buf, p)) throw new WalCorruptError(`${name}: hole at offset ${p} before valid records`);
        return { records, end: p, torn: !allZero(buf, p) };
      }
      return { records, end: p, torn: false };
    }
    if (!validAt(buf, p)) {
      if (!isLast) throw new WalCorruptError(`${name}: bad record at offset ${p} in a sealed segment`);
      if (hasValidRecordAfter(buf, p + RECORD_HEADER))
        throw new WalCorruptError(`${name}: bad record at offset ${p} followed by valid records`);
      return { records, end: p, torn: true };
    }
    records.push({
      kind: buf[p + RECORD_HEADER] as RecordKind,
      start: p + RECORD_HEADER + 1,
      end: p + RECORD_HEADER + len,
    });
    p += RECORD_HEADER + padded(len);
  }
  return { records, end: Math.min(p, buf.length), torn: false };
}

function hasValidRecordAfter(buf: Buffer, from: number): boolean {
  for (let p = padded(from); p + RECORD_HEADER <= buf.length; p += 8) {
    if (buf.readUInt32LE(p) !== 0 && validAt(buf, p)) return true;
  }
  return false;
}

function allZero(buf: Buffer, from: number): boolean {
  for (let p = from; p < buf.length; p++) if (buf[p] !== 0) return false;
  return true;
}
