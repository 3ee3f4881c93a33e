import { strict as assert } from 'node:assert';
import { BinaryReader, BinaryWriter } from '../../../src/raft/storage';
import { FrameDecoder, decodeMessage, encodeMessage } from '../../../src/raft/transport';
import { MessageType, type Message } from '../../../src/raft';

const full: Message = {
  type: MessageType.App,
  from: 1,
  to: 2 ** 40 + 3,
  term: 7,
  logTerm: 6,
  index: 2 ** 33 + 5,
  entries: [
    { term: 7, index: 2 ** 33 + 6, type: 0, data: Buffer.from('hello') },
    { term: 7, index: 2 ** 33 + 7, type: 1, data: Buffer.alloc(0) },
  ],
  commit: 99,
  reject: true,
  rejectHint: 12,
  hintTerm: 5,
  snapshot: {
    metadata: { index: 40, term: 3, confState: { voters: [1, 2, 3], learners: [4] } },
    data: Buffer.from('snap'),
  },
  context: Buffer.from('ctx'),
};

function plain(m: Message): unknown {
  return JSON.parse(
    JSON.stringify(m, (_k, v) =>
      v && v.type === 'Buffer'
        ? Buffer.from(v.data).toString('hex')
        : v instanceof Uint8Array
          ? Buffer.from(v).toString('hex')
          : v,
    ),
  );
}

describe('raft transport: message encoding and framing', () => {
  it('roundtrips a message with every field set', () => {
    const w = new BinaryWriter(8);
    encodeMessage(w, full);
    const back = decodeMessage(new BinaryReader(w.view()));
    assert.deepEqual(plain(back), plain(full));
  });

  it('roundtrips a minimal heartbeat without optional fields', () => {
    const hb: Message = {
      type: MessageType.Heartbeat,
      from: 3,
      to: 1,
      term: 2,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 10,
      reject: false,
      rejectHint: 0,
      hintTerm: 0,
    };
    const w = new BinaryWriter(8);
    encodeMessage(w, hb);
    const back = decodeMessage(new BinaryReader(w.view()));
    assert.deepEqual(plain(back), plain(hb));
    assert.equal(back.snapshot, undefined);
    assert.equal(back.context, undefined);
  });

  it('rejects truncated input with a DecodeError', () => {
    const w = new BinaryWriter(8);
    encodeMessage(w, full);
    assert.throws(() => decodeMessage(new BinaryReader(w.view().subarray(0, 50))), /decode/);
  });

  it('reassembles frames split at every byte boundary', () => {
    const frames = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(1000, 7), Buffer.from('tail')];
    const stream = Buffer.concat(frames.flatMap((f) => [Buffer.from(Uint32Array.of(f.length).buffer), f]));
    for (const step of [1, 3, 4, 5, 999, stream.length]) {
      const dec = new FrameDecoder(1 << 20);
      const got: Buffer[] = [];
      for (let p = 0; p < stream.length; p += step)
        dec.push(stream.subarray(p, p + step), (f) => got.push(Buffer.from(f)));
      assert.deepEqual(got, frames, `step ${step}`);
    }
  });

  it('refuses an oversized frame', () => {
    const dec = new FrameDecoder(10);
    assert.throws(() => dec.push(Buffer.from([100, 0, 0, 0, 1]), () => {}), /exceeds/);
  });
});
