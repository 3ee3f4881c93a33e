/**
 * The outbound stream to one peer: a bounded queue, one connection (TLS or plain TCP),
 * reconnect with exponential backoff, and snapshot messages streamed in chunks between
 * ordinary messages so that heartbeats keep flowing during a long transfer.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Message, NodeId } from '../types';
import { MessageType } from '../types';
import { BinaryWriter } from '../storage/codec';
import { encodeMessage } from './message-codec';
import { FrameKind } from './frames';

export interface PeerOptions {
  selfId: NodeId;
  id: NodeId;
  host: string;
  port: number;
  tls?: tls.ConnectionOptions;
  /** Messages queued while (re)connecting before new ones are dropped. */
  maxQueue: number;
  /** Bytes buffered in the socket before new messages are dropped. */
  maxBufferedBytes: number;
  chunkBytes: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  onUnreachable: (id: NodeId) => void;
  onSnapshotStatus: (id: NodeId, ok: boolean) => void;
  onSent: (n: number) => void;
  onDropped: (n: number) => void;
}

interface SnapshotSend {
  data: Buffer;
  offset: number;
}

export class Peer {
  get host(): string {
    return this.o.host;
  }

  get port(): number {
    return this.o.port;
  }

  private sock: net.Socket | undefined;
  private connected = false;
  private connecting = false;
  private stopped = false;
  private backoffMs: number;
  private retry: NodeJS.Timeout | undefined;
  private queue: Message[] = [];
  private snap: SnapshotSend | undefined;
  private readonly w = new BinaryWriter(64 * 1024);

  constructor(private readonly o: PeerOptions) {
    this.backoffMs = o.minBackoffMs;
  }

  /** Queues messages for this peer; they leave in one write if connected. Drops (and reports unreachable) when full. */
  send(msgs: Message[]): void {
    if (this.stopped) return;
    let dropped = 0;
    for (const m of msgs) {
      if (m.type === MessageType.Snap && m.snapshot) {
        if (this.snap) {
          // One snapshot at a time; raft retries after the status report.
          this.o.onSnapshotStatus(this.o.id, false);
          continue;
        }
        const w = new BinaryWriter(128 + m.snapshot.data.length);
        encodeMessage(w, m);
        this.snap = { data: w.view(), offset: 0 };
        continue;
      }
      if (this.queue.length >= this.o.maxQueue) dropped++;
      else this.queue.push(m);
    }
    if (dropped > 0) {
      this.o.onDropped(dropped);
      this.o.onUnreachable(this.o.id);
    }
    if (this.connected) this.flush();
    else this.connect();
  }

  private flush(): void {
    const sock = this.sock;
    if (!sock || !this.connected) return;
    if (this.queue.length > 0) {
      if (sock.writableLength > this.o.maxBufferedBytes) {
        this.o.onDropped(this.queue.length);
        this.queue = [];
        this.o.onUnreachable(this.o.id);
      } else {
        const w = this.w;
        w.pos = 0;
        for (const m of this.queue) {
          const start = w.pos;
          w.u32(0);
          w.u8(FrameKind.Message);
          encodeMessage(w, m);
          w.buf.writeUInt32LE(w.pos - start - 4, start);
        }
        const n = this.queue.length;
        this.queue = [];
        // Copy: the writer's buffer is reused for the next batch while this one may still be queued.
        sock.write(Buffer.from(w.view()));
        this.o.onSent(n);
        if (w.buf.length > 1 << 20) this.w.buf = Buffer.allocUnsafe(64 * 1024);
      }
    }
    this.pumpSnapshot();
  }

  private pumpSnapshot(): void {
    const sock = this.sock;
    const s = this.snap;
    if (!sock || !s || !this.connected) return;
    while (s.offset < s.data.length && sock.writableLength < this.o.chunkBytes) {
      const end = Math.min(s.data.length, s.offset + this.o.chunkBytes);
      const last = end === s.data.length;
      const hdr = Buffer.allocUnsafe(5);
      hdr.writeUInt32LE(end - s.offset + 1, 0);
      hdr[4] = last ? FrameKind.LastChunk : FrameKind.Chunk;
      sock.write(hdr);
      sock.write(s.data.subarray(s.offset, end));
      s.offset = end;
    }
    if (s.offset >= s.data.length) {
      this.snap = undefined;
      this.o.onSent(1);
      this.o.onSnapshotStatus(this.o.id, true);
    }
  }

  private connect(): void {
    if (this.connected || this.connecting || this.stopped || this.retry) return;
    this.connecting = true;
    const { host, port } = this.o;
    const sock = this.o.tls ? tls.connect({ ...this.o.tls, host, port }) : net.connect({ host, port });
    this.sock = sock;
    sock.setNoDelay(true);
    const ready = this.o.tls ? 'secureConnect' : 'connect';
    sock.once(ready, () => {
      this.connecting = false;
      this.connected = true;
      this.backoffMs = this.o.minBackoffMs;
      const hello = Buffer.alloc(13);
      hello.writeUInt32LE(9, 0);
      hello[4] = FrameKind.Hello;
      hello.writeUInt32LE(this.o.selfId % 0x100000000, 5);
      hello.writeUInt32LE(Math.floor(this.o.selfId / 0x100000000), 9);
      sock.write(hello);
      this.flush();
    });
    sock.on('drain', () => this.pumpSnapshot());
    // The peer never sends on this connection; reading keeps the socket from stalling.
    sock.on('data', () => {});
    sock.on('error', () => {});
    sock.on('close', () => this.onClose(sock));
  }

  private onClose(sock: net.Socket): void {
    if (this.sock !== sock) return;
    const wasUp = this.connected;
    this.sock = undefined;
    this.connected = false;
    this.connecting = false;
    if (this.queue.length > 0) this.o.onDropped(this.queue.length);
    this.queue = [];
    if (this.snap) {
      this.snap = undefined;
      this.o.onSnapshotStatus(this.o.id, false);
    }
    if (this.stopped) return;
    this.o.onUnreachable(this.o.id);
    const delay = wasUp ? this.o.minBackoffMs : this.backoffMs;
    if (!wasUp) this.backoffMs = Math.min(this.o.maxBackoffMs, this.backoffMs * 2);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect();
    }, delay);
    this.retry.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.sock?.destroy();
    this.sock = undefined;
  }
}
