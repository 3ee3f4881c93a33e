import assert from 'node:assert/strict';
import { FrameReader, framePrefix } from '../../../worker/engine/containerd/grpc-frames';
import { statusOf } from '../../../worker/engine/containerd/grpc-status';

const frame = (body: Buffer) => Buffer.concat([framePrefix(body.length), body]);

describe('gRPC message framing', () => {
  it('reads messages split anywhere, several to a chunk, and empty ones', () => {
    const a = Buffer.from('first message');
    const b = Buffer.alloc(0);
    const c = Buffer.alloc(70_000, 7);
    const wire = Buffer.concat([frame(a), frame(b), frame(c)]);
    for (const cut of [1, 3, 5, 6, 17, 18, 19, 4096]) {
      const r = new FrameReader();
      const got: Buffer[] = [];
      for (let i = 0; i < wire.length; i += cut) got.push(...r.push(wire.subarray(i, i + cut)));
      assert.deepEqual(got, [a, b, c], `chunks of ${cut}`);
      assert.equal(r.pending, 0);
    }
  });

  it('holds a message begun until its last byte', () => {
    const r = new FrameReader();
    const body = Buffer.from('abcdef');
    const wire = frame(body);
    assert.deepEqual(r.push(wire.subarray(0, 8)), []);
    assert.equal(r.pending, 8);
    assert.deepEqual(r.push(wire.subarray(8)), [body]);
  });

  it('refuses a compressed message with INTERNAL', () => {
    const wire = frame(Buffer.from('x'));
    wire[0] = 1;
    assert.throws(
      () => new FrameReader().push(wire),
      (e: { code?: number }) => e.code === 13,
    );
  });

  it('reads a status and its percent-encoded message, and a malformed one as sent', () => {
    assert.deepEqual(statusOf({ 'grpc-status': '5', 'grpc-message': 'no%20such%20%C3%A9' }), {
      code: 5,
      details: 'no such é',
    });
    assert.deepEqual(statusOf({ 'grpc-status': '2', 'grpc-message': '100%' }), { code: 2, details: '100%' });
    assert.equal(statusOf({ ':status': 200 }), undefined);
  });
});
