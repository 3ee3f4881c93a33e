import assert from 'node:assert/strict';
import { decode } from '../../../worker/engine/containerd/schema';
import { encodeWriteHeader } from '../../../worker/engine/containerd/write-request';

/** The message as sent: the header, then the pieces. */
const message = (ref: string, offset: number, parts: Buffer[]) =>
  Buffer.concat([
    encodeWriteHeader(
      ref,
      offset,
      parts.reduce((n, p) => n + p.length, 0),
    ),
    ...parts,
  ]);

describe('content write request encoded by hand', () => {
  it('decodes as the WRITE request protobufjs would make, its data the pieces in order', () => {
    const parts = [Buffer.from('hello '), Buffer.alloc(70_000, 7), Buffer.from('world')];
    for (const offset of [0, 127, 128, 300_000, 2 ** 40 + 5]) {
      const m = decode<{ action: string; ref: string; offset: number; data: Buffer }>(
        'containerd.content.WriteContentRequest',
        message('tsswarm-sha256:ab-01', offset, parts),
      );
      assert.equal(m.action, 'WRITE');
      assert.equal(m.ref, 'tsswarm-sha256:ab-01');
      assert.equal(Number(m.offset), offset);
      assert.ok(Buffer.from(m.data).equals(Buffer.concat(parts)));
    }
  });

  it('carries an empty piece list as an empty data field', () => {
    const m = decode<{ data: Buffer; offset: number }>('containerd.content.WriteContentRequest', message('r', 0, []));
    assert.equal(Buffer.from(m.data ?? []).length, 0);
  });
});
