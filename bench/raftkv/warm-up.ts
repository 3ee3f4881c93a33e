/**
 * JIT warm-up before serving: runs the hot paths (message codec, framing, CRC, the raft core
 * as leader and follower, the KV command encoding) on throwaway in-memory data, so that the
 * first client requests do not run on unoptimized code. Touches no disk and no network.
 */
import { BinaryReader, BinaryWriter, FrameDecoder, MemoryStorage, RawNode, crc32c, decodeMessage, encodeMessage, type Message } from '../../src/raft';
import { encodePut } from './kv-state';

export function warmUp(rounds = 3000): void {
  const stores = [1, 2, 3].map(() => new MemoryStorage());
  const nodes = [1, 2, 3].map((id, i) => new RawNode({ id, storage: stores[i], electionTick: 10, heartbeatTick: 1, random: () => 0.5, peers: [1, 2, 3] }));
  const w = new BinaryWriter(1024);
  const dec = new FrameDecoder(1 << 20);
  const value = Buffer.alloc(256, 'v').toString('base64');
  let inbox: Message[] = [];
  const pump = () => {
    for (let guard = 0; guard < 50; guard++) {
      let any = false;
      nodes.forEach((n, i) => {
        if (!n.hasReady()) return;
        any = true;
        const rd = n.ready();
        if (rd.hardState) stores[i].setHardState(rd.hardState);
        if (rd.entries.length) stores[i].append(rd.entries);
        for (const m of rd.messages) {
          // Through the wire format, as in production.
          w.pos = 0;
          w.u32(0);
          w.u8(2);
          encodeMessage(w, m);
          w.buf.writeUInt32LE(w.pos - 4, 0);
          crc32c(w.view());
          dec.push(Buffer.from(w.view()), (p) => inbox.push(decodeMessage(new BinaryReader(p, 1))));
        }
        n.advance(rd);
      });
      const batch = inbox;
      inbox = [];
      for (const m of batch) nodes[m.to - 1].step(m);
      if (!any && batch.length === 0) return;
    }
  };
  pump();
  nodes[0].campaign();
  pump();
  for (let i = 0; i < rounds; i++) {
    const body = JSON.parse(JSON.stringify({ key: Buffer.from(`warm/${i}`).toString('base64'), value }));
    nodes[0].propose(encodePut(body.key, body.value));
    if (i % 4 === 0) pump();
    if (i % 10 === 0) nodes.forEach((n) => n.tick());
  }
  pump();
}
