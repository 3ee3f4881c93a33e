/** The one question of a DNS query, enough to answer it or pass it on. */
export interface DnsQuestion {
  id: number;
  /** Lower case, without the trailing dot. */
  name: string;
  type: number;
  qclass: number;
  /** Bytes of the question section, echoed in the answer. */
  questionEnd: number;
  recursionDesired: boolean;
}

export const DNS_TYPE_A = 1;
export const DNS_CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;

/** Parses a standard query with one question; null for anything else (responses, other opcodes, junk). */
export function parseDnsQuery(msg: Buffer): DnsQuestion | null {
  if (msg.length < 12) return null;
  const flags = msg.readUInt16BE(2);
  const isResponse = (flags & 0x8000) !== 0;
  const opcode = (flags >> 11) & 0xf;
  if (isResponse || opcode !== 0 || msg.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return null;
    const len = msg[off];
    if (len === 0) {
      off += 1;
      break;
    }
    if (len > 63 || off + 1 + len > msg.length) return null; // no compression in a question we accept
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('latin1'));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return null;
  return {
    id: msg.readUInt16BE(0),
    name: labels.join('.').toLowerCase(),
    type: msg.readUInt16BE(off),
    qclass: msg.readUInt16BE(off + 2),
    questionEnd: off + 4,
    recursionDesired: (flags & 0x0100) !== 0,
  };
}

/**
 * An authoritative answer to `query`: A records for `addresses` (empty means "the name exists
 * but has no record of this type"), or NXDOMAIN when `addresses` is null.
 */
export function buildDnsAnswer(query: Buffer, q: DnsQuestion, addresses: string[] | null, ttl = 600): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, AA, RD echoed, RA; rcode
  const flags =
    0x8000 | 0x0400 | (q.recursionDesired ? 0x0100 : 0) | 0x0080 | (addresses === null ? RCODE_NXDOMAIN : 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  const answers = addresses ?? [];
  header.writeUInt16BE(answers.length, 6);
  const question = query.subarray(12, q.questionEnd);
  const records = answers.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
    rr.writeUInt16BE(DNS_TYPE_A, 2);
    rr.writeUInt16BE(DNS_CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((b, i) => rr.writeUInt8(Number(b), 12 + i));
    return rr;
  });
  return Buffer.concat([header, question, ...records]);
}

/** A SERVFAIL answer, for when the upstream resolvers do not answer. */
export function buildDnsServfail(query: Buffer, q: DnsQuestion): Buffer {
  const out = buildDnsAnswer(query, q, []);
  out.writeUInt16BE((out.readUInt16BE(2) & ~0x040f) | 2, 2);
  return out;
}
