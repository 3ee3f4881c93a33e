/**
 * The replicated KV map. Commands are [u32 key length][key][value] with key and value kept in
 * their base64 form (the gateway's own encoding), so a put never decodes base64.
 */
import type { StateMachine } from '../../src/raft';

export function encodePut(key: string, value: string): Buffer {
  const kl = Buffer.byteLength(key, 'latin1');
  const buf = Buffer.allocUnsafe(4 + kl + Buffer.byteLength(value, 'latin1'));
  buf.writeUInt32LE(kl, 0);
  buf.write(key, 4, 'latin1');
  buf.write(value, 4 + kl, 'latin1');
  return buf;
}

export interface KvValue {
  value: string;
  modRevision: number;
  createRevision: number;
  version: number;
}

export class KvState implements StateMachine {
  readonly map = new Map<string, KvValue>();
  revision = 0;

  apply(e: { index: number; data: Buffer }): number {
    const d = e.data;
    const kl = d.readUInt32LE(0);
    const key = d.toString('latin1', 4, 4 + kl);
    const value = d.toString('latin1', 4 + kl);
    const rev = ++this.revision;
    const old = this.map.get(key);
    this.map.set(key, { value, modRevision: rev, createRevision: old ? old.createRevision : rev, version: old ? old.version + 1 : 1 });
    return rev;
  }

  /** Binary: [u64 revision][u32 count] then per key [u32 klen][key][u32 vlen][value][u64 mod][u64 create][u32 version]. */
  snapshot(): Uint8Array {
    let size = 12;
    for (const [k, v] of this.map) size += 28 + k.length + v.value.length;
    const b = Buffer.allocUnsafe(size);
    let p = 0;
    const u64 = (n: number) => {
      b.writeUInt32LE(n % 0x100000000, p);
      b.writeUInt32LE(Math.floor(n / 0x100000000), p + 4);
      p += 8;
    };
    u64(this.revision);
    b.writeUInt32LE(this.map.size, p);
    p += 4;
    for (const [k, v] of this.map) {
      b.writeUInt32LE(k.length, p);
      p += 4 + b.write(k, p + 4, 'latin1');
      b.writeUInt32LE(v.value.length, p);
      p += 4 + b.write(v.value, p + 4, 'latin1');
      u64(v.modRevision);
      u64(v.createRevision);
      b.writeUInt32LE(v.version, p);
      p += 4;
    }
    return b;
  }

  restore(data: Uint8Array): void {
    const b = Buffer.from(data.buffer, data.byteOffset, data.length);
    let p = 0;
    const u64 = () => {
      const n = b.readUInt32LE(p) + b.readUInt32LE(p + 4) * 0x100000000;
      p += 8;
      return n;
    };
    const str = () => {
      const n = b.readUInt32LE(p);
      const s = b.toString('latin1', p + 4, p + 4 + n);
      p += 4 + n;
      return s;
    };
    this.map.clear();
    this.revision = u64();
    for (let n = b.readUInt32LE((p += 4) - 4); n > 0; n--) {
      const k = str();
      const value = str();
      const modRevision = u64();
      const createRevision = u64();
      const version = b.readUInt32LE(p);
      p += 4;
      this.map.set(k, { value, modRevision, createRevision, version });
    }
  }
}
