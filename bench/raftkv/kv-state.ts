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

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify({ revision: this.revision, kvs: [...this.map] }));
  }

  restore(data: Uint8Array): void {
    const s = JSON.parse(Buffer.from(data).toString()) as { revision: number; kvs: [string, KvValue][] };
    this.map.clear();
    for (const [k, v] of s.kvs) this.map.set(k, v);
    this.revision = s.revision;
  }
}
