/**
 * The stream's chunks in groups of at most `max` bytes (a chunk larger than that alone): one
 * Content.Write message, or one writev(2), per group.
 */
export async function* gather(
  source: Iterable<Buffer> | AsyncIterable<Buffer | Uint8Array>,
  max: number,
): AsyncGenerator<Buffer[]> {
  let parts: Buffer[] = [];
  let n = 0;
  for await (const c of source) {
    const buf = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    if (n > 0 && n + buf.length > max) {
      yield parts;
      parts = [];
      n = 0;
    }
    parts.push(buf);
    n += buf.length;
  }
  if (n > 0) yield parts;
}
