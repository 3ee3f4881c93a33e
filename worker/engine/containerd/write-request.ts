/**
 * The bytes of containerd.content.WriteContentRequest{action: WRITE, ref, offset, data} that
 * precede `data`, encoded by hand: the message is sent as this header and then the download's
 * pieces as they are, never copied into one buffer. The fields and numbers are those of
 * proto-source.ts (action = 1, ref = 2, offset = 5, data = 6; WRITE is 1).
 */
const WRITE_ACTION = 1;

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function putVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

export function encodeWriteHeader(ref: string, offset: number, size: number): Buffer {
  const refBytes = Buffer.from(ref, 'utf8');
  const total =
    2 + // action: tag, value
    1 +
    varintLength(refBytes.length) +
    refBytes.length +
    1 +
    varintLength(offset) +
    1 +
    varintLength(size);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  buf[at++] = (1 << 3) | 0;
  buf[at++] = WRITE_ACTION;
  buf[at++] = (2 << 3) | 2;
  at = putVarint(buf, at, refBytes.length);
  at += refBytes.copy(buf, at);
  buf[at++] = (5 << 3) | 0;
  at = putVarint(buf, at, offset);
  buf[at++] = (6 << 3) | 2;
  putVarint(buf, at, size);
  return buf;
}
