/** Docker's multiplexed stream framing: [stream, 0, 0, 0, length u32 BE] then the payload. */
export function stdcopyFrame(stream: 'stdout' | 'stderr' | 'stdin', payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream === 'stdin' ? 0 : stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Splits a framed buffer back into its frames (for clients and tests). */
export function parseStdcopy(buf: Buffer): Array<{ stream: 'stdout' | 'stderr' | 'stdin'; data: Buffer }> {
  const out: Array<{ stream: 'stdout' | 'stderr' | 'stdin'; data: Buffer }> = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    const stream = buf[i] === 0 ? 'stdin' : buf[i] === 1 ? 'stdout' : 'stderr';
    out.push({ stream, data: buf.subarray(i + 8, i + 8 + len) });
    i += 8 + len;
  }
  return out;
}
