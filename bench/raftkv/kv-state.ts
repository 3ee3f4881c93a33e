/**
 * The replicated KV map. Commands are [u32 key length][key][value] with key and value kept in
 * their base64 form (the gateway's own encoding), so a put never decodes base64.
 *
 * Values live in an append-only file in the data folder (like etcd's values live in bbolt);
 * memory holds only an index: key -> slot in typed arrays (offset, length, revisions). The
 * file is not a source of truth: it is rebuilt at start from the raft snapshot and log.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
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

const PENDING = 1 << 20;

export class KvState implements StateMachine {
  private readonly index = new Map<string, number>();
  private off = new Float64Array(1024);
  private len = new Uint32Array(1024);
  private mod = new Float64Array(1024);
  private create = new Float64Array(1024);
  private ver = new Uint32Array(1024);
  private readonly fd: number;
  /** Bytes of the file already written; later values sit in `pending`. */
  private flushed = 0;
  private pending = Buffer.allocUnsafe(PENDING);
  private pendingLen = 0;
  revision = 0;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.fd = fs.openSync(path.join(dir, 'values.dat'), 'w+');
  }

  get size(): number {
    return this.index.size;
  }

  private slot(key: string): number {
    let s = this.index.get(key);
    if (s !== undefined) return s;
    s = this.index.size;
    if (s === this.off.length) {
      const grow = <T extends Float64Array | Uint32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.off = grow(this.off);
      this.len = grow(this.len);
      this.mod = grow(this.mod);
      this.create = grow(this.create);
      this.ver = grow(this.ver);
    }
    this.index.set(key, s);
    this.ver[s] = 0;
    return s;
  }

  private flush(): void {
    let done = 0;
    while (done < this.pendingLen)
      done += fs.writeSync(this.fd, this.pending, done, this.pendingLen - done, this.flushed + done);
    this.flushed += this.pendingLen;
    this.pendingLen = 0;
  }

  private store(src: Buffer, start: number, end: number): number {
    const n = end - start;
    if (this.pendingLen + n > PENDING) this.flush();
    const at = this.flushed + this.pendingLen;
    if (n > PENDING) {
      fs.writeSync(this.fd, src, start, n, at);
      this.flushed += n;
      return at;
    }
    src.copy(this.pending, this.pendingLen, start, end);
    this.pendingLen += n;
    return at;
  }

  private load(s: number): string {
    const o = this.off[s];
    const n = this.len[s];
    if (o >= this.flushed) return this.pending.toString('latin1', o - this.flushed, o - this.flushed + n);
    const b = Buffer.allocUnsafe(n);
    fs.readSync(this.fd, b, 0, n, o);
    return b.toString('latin1');
  }

  apply(e: { index: number; data: Buffer }): number {
    const d = e.data;
    const kl = d.readUInt32LE(0);
    return this.put(d.toString('latin1', 4, 4 + kl), d, 4 + kl, d.length);
  }

  private put(
    key: string,
    src: Buffer,
    start: number,
    end: number,
    rev = ++this.revision,
    create = 0,
    version = 0,
  ): number {
    const s = this.slot(key);
    this.off[s] = this.store(src, start, end);
    this.len[s] = end - start;
    this.mod[s] = rev;
    this.create[s] = create || (this.ver[s] === 0 ? rev : this.create[s]);
    this.ver[s] = version || this.ver[s] + 1;
    return rev;
  }

  get(key: string): KvValue | undefined {
    const s = this.index.get(key);
    if (s === undefined) return undefined;
    return { value: this.load(s), modRevision: this.mod[s], createRevision: this.create[s], version: this.ver[s] };
  }

  /** Binary: [u64 revision][u32 count] then per key [u32 klen][key][u32 vlen][value][u64 mod][u64 create][u32 version]. */
  snapshot(): Uint8Array {
    this.flush();
    const file = Buffer.allocUnsafe(this.flushed);
    if (this.flushed > 0) fs.readSync(this.fd, file, 0, this.flushed, 0);
    let size = 12;
    for (const [k, s] of this.index) size += 28 + k.length + this.len[s];
    const b = Buffer.allocUnsafe(size);
    let p = 0;
    const u64 = (n: number) => {
      b.writeUInt32LE(n % 0x100000000, p);
      b.writeUInt32LE(Math.floor(n / 0x100000000), p + 4);
      p += 8;
    };
    u64(this.revision);
    b.writeUInt32LE(this.index.size, p);
    p += 4;
    for (const [k, s] of this.index) {
      b.writeUInt32LE(k.length, p);
      p += 4 + b.write(k, p + 4, 'latin1');
      b.writeUInt32LE(this.len[s], p);
      p += 4 + file.copy(b, p + 4, this.off[s], this.off[s] + this.len[s]);
      u64(this.mod[s]);
      u64(this.create[s]);
      b.writeUInt32LE(this.ver[s], p);
      p += 4;
    }
    return b;
  }

  restore(data: Uint8Array): void {
    const b = Buffer.from(data.buffer, data.byteOffset, data.length);
    this.index.clear();
    this.flushed = 0;
    this.pendingLen = 0;
    fs.ftruncateSync(this.fd, 0);
    let p = 0;
    const u64 = () => {
      const n = b.readUInt32LE(p) + b.readUInt32LE(p + 4) * 0x100000000;
      p += 8;
      return n;
    };
    this.revision = u64();
    let n = b.readUInt32LE(p);
    p += 4;
    for (; n > 0; n--) {
      const kl = b.readUInt32LE(p);
      const key = b.toString('latin1', p + 4, p + 4 + kl);
      p += 4 + kl;
      const vl = b.readUInt32LE(p);
      const vs = p + 4;
      p += 4 + vl;
      const mod = u64();
      const create = u64();
      const version = b.readUInt32LE(p);
      p += 4;
      this.put(key, b, vs, vs + vl, mod, create, version);
    }
  }
}
