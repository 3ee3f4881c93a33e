/**
 * Node-to-node transport for raft-ts: one outbound stream per peer (see Peer) and a listener
 * for inbound streams. Mutual TLS when `tls` is given (both sides present certificates signed
 * by `ca`); plain TCP otherwise, which is only for benchmarks and tests on loopback.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Message, NodeId } from '../types';
import { BinaryReader } from '../storage/codec';
import { decodeMessage } from './message-codec';
import { FrameDecoder } from './frame-decoder';
import { FrameKind } from './frames';
import { Peer } from './peer';
import { TransportConfigError } from './errors';

export interface TransportTls {
  /** PEM private key of this node. */
  key: string | Buffer;
  /** PEM certificate of this node, signed by `ca`. */
  cert: string | Buffer;
  /** PEM of the cluster's CA; peers must present a certificate it signed. */
  ca: string | Buffer;
  /**
   * ALPN protocol offered on outbound connections and required of inbound ones, so that raft
   * can share a port with other protocols (the listener's owner routes on it).
   */
  alpn?: string;
  /**
   * Extra check of a peer's certificate on outbound connections (an Error refuses it); the CA
   * check always applies. Host names are never checked: peers are dialled by address.
   */
  checkServerIdentity?: (hostname: string, cert: tls.PeerCertificate) => Error | undefined;
}

export interface TransportOptions {
  id: NodeId;
  /**
   * Address to listen on, "host:port". Omit it when another server owns the port and hands
   * inbound connections over with acceptConnection().
   */
  listen?: string;
  /** Peers' addresses, "host:port" by id (this node's own id is ignored). */
  peers: ReadonlyMap<NodeId, string>;
  /** Mutual TLS; omit for plain TCP (insecure, benchmarks and loopback tests only). */
  tls?: TransportTls;
  onMessage: (m: Message) => void;
  onUnreachable: (id: NodeId) => void;
  onSnapshotStatus: (id: NodeId, ok: boolean) => void;
  /** Messages queued per peer while connecting before drops. Default 4096. */
  maxQueue?: number;
  /** Socket bytes buffered per peer before drops. Default 32 MiB. */
  maxBufferedBytes?: number;
  /** Snapshot chunk size. Default 256 KiB. */
  chunkBytes?: number;
  /** Largest frame accepted. Default 64 MiB. */
  maxFrameBytes?: number;
  /** Reconnect backoff bounds. Defaults 20 ms and 1000 ms. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Counters for metrics. */
  onSent?: (n: number) => void;
  onReceived?: (n: number) => void;
  onDropped?: (n: number) => void;
}

/** Parses "host:port"; throws TransportConfigError naming `field` when malformed. */
export function parseHostPort(addr: string, field: string, allowZero = false): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !((port > 0 || (allowZero && port === 0)) && port < 65536))
    throw new TransportConfigError(`${field}: "${addr}" is not host:port`);
  return { host: m[1], port };
}

export class Transport {
  private readonly peers = new Map<NodeId, Peer>();
  private server: net.Server | undefined;
  private readonly inbound = new Set<net.Socket>();
  private started = false;

  constructor(private readonly o: TransportOptions) {
    if (o.listen !== undefined) parseHostPort(o.listen, 'listen', true);
    for (const [id, addr] of o.peers) if (id !== o.id) parseHostPort(addr, `peers[${id}]`);
    if (o.tls && !(o.tls.key && o.tls.cert && o.tls.ca))
      throw new TransportConfigError('tls: key, cert and ca are all required');
  }

  /** Listens for peers. Resolves once bound. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const [id, addr] of this.o.peers) if (id !== this.o.id) this.addPeer(id, addr);
    if (this.o.listen === undefined) return;
    const onConn = (sock: net.Socket) => this.accept(sock);
    this.server = this.o.tls
      ? tls.createServer(
          {
            key: this.o.tls.key,
            cert: this.o.tls.cert,
            ca: this.o.tls.ca,
            requestCert: true,
            rejectUnauthorized: true,
            ...(this.o.tls.alpn ? { ALPNProtocols: [this.o.tls.alpn] } : {}),
          },
          onConn,
        )
      : net.createServer(onConn);
    this.server.on('tlsClientError', () => {});
    const { host, port } = parseHostPort(this.o.listen, 'listen', true);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
  }

  /** The bound port (useful when listening on port 0). */
  port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  addPeer(id: NodeId, addr: string): void {
    if (id === this.o.id || this.peers.has(id)) return;
    const { host, port } = parseHostPort(addr, `peers[${id}]`);
    const t = this.o.tls;
    this.peers.set(
      id,
      new Peer({
        selfId: this.o.id,
        id,
        host,
        port,
        // Peers are authenticated by the cluster CA, not by host names (addresses are raw IPs).
        tls: t
          ? {
              key: t.key,
              cert: t.cert,
              ca: t.ca,
              checkServerIdentity: t.checkServerIdentity ?? (() => undefined),
              ...(t.alpn ? { ALPNProtocols: [t.alpn] } : {}),
            }
          : undefined,
        maxQueue: this.o.maxQueue ?? 4096,
        maxBufferedBytes: this.o.maxBufferedBytes ?? 32 << 20,
        chunkBytes: this.o.chunkBytes ?? 256 << 10,
        minBackoffMs: this.o.minBackoffMs ?? 20,
        maxBackoffMs: this.o.maxBackoffMs ?? 1000,
        onUnreachable: this.o.onUnreachable,
        onSnapshotStatus: this.o.onSnapshotStatus,
        onSent: this.o.onSent ?? (() => {}),
        onDropped: this.o.onDropped ?? (() => {}),
      }),
    );
  }

  /** Points the peer at a new address (a member that moved); a no-op when it is unchanged. */
  setPeerAddress(id: NodeId, addr: string): void {
    if (id === this.o.id) return;
    const { host, port } = parseHostPort(addr, `peers[${id}]`);
    const cur = this.peers.get(id);
    if (cur && cur.host === host && cur.port === port) return;
    this.removePeer(id);
    this.addPeer(id, addr);
  }

  removePeer(id: NodeId): void {
    this.peers.get(id)?.stop();
    this.peers.delete(id);
  }

  hasPeer(id: NodeId): boolean {
    return this.peers.has(id);
  }

  /** Sends messages (grouped per peer, one write each). Messages to unknown peers are dropped. */
  send(msgs: readonly Message[]): void {
    if (msgs.length === 1) {
      this.peers.get(msgs[0].to)?.send([msgs[0]]);
      return;
    }
    const by = new Map<NodeId, Message[]>();
    for (const m of msgs) {
      let l = by.get(m.to);
      if (!l) by.set(m.to, (l = []));
      l.push(m);
    }
    for (const [to, l] of by) this.peers.get(to)?.send(l);
  }

  /**
   * Serves an inbound stream that another server accepted (and, for TLS, authenticated) on a
   * shared port. Destroyed at once when the transport is stopped.
   */
  acceptConnection(sock: net.Socket): void {
    if (!this.started) {
      sock.destroy();
      return;
    }
    this.accept(sock);
  }

  private accept(sock: net.Socket): void {
    this.inbound.add(sock);
    sock.setNoDelay(true);
    const dec = new FrameDecoder(this.o.maxFrameBytes ?? 64 << 20);
    let peerId = 0;
    let chunks: Buffer[] = [];
    const onFrame = (p: Buffer) => {
      const kind = p[0];
      if (kind === FrameKind.Message) {
        const m = decodeMessage(new BinaryReader(p, 1));
        // A stream carries only its dialer's messages.
        if (m.from !== peerId) throw new Error(`message from ${m.from} on the stream of ${peerId}`);
        this.o.onMessage(m);
        this.o.onReceived?.(1);
      } else if (kind === FrameKind.Chunk) {
        chunks.push(Buffer.from(p.subarray(1)));
      } else if (kind === FrameKind.LastChunk) {
        chunks.push(p.subarray(1));
        const whole = Buffer.concat(chunks);
        chunks = [];
        const m = decodeMessage(new BinaryReader(whole));
        if (m.from !== peerId) throw new Error(`message from ${m.from} on the stream of ${peerId}`);
        this.o.onMessage(m);
        this.o.onReceived?.(1);
      } else if (kind === FrameKind.Hello) {
        peerId = new BinaryReader(p, 1).u64();
      } else throw new Error(`unknown frame kind ${kind}`);
    };
    sock.on('data', (chunk: Buffer) => {
      try {
        dec.push(chunk, onFrame);
      } catch {
        // A peer speaking garbage (or another protocol) loses its connection, not the node.
        sock.destroy();
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => this.inbound.delete(sock));
  }

  /** Closes every connection and the listener. Idempotent. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const p of this.peers.values()) p.stop();
    this.peers.clear();
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    const srv = this.server;
    this.server = undefined;
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }
}
