/**
 * ClusterServer: a manager's single TLS listener on the cluster port. ALPN routes each
 * connection: 'tsswarm-raft' streams go to raft once the peer's certificate passes the policy
 * for managers; everything else is HTTP/1.1, where only PUBLIC_PATHS are served without a
 * certificate and every other request or upgrade needs a node certificate that passes it.
 *
 * TLS itself requests a client certificate but does not demand one (rejectUnauthorized false),
 * so that a node without credentials can fetch the CA and join; the checks are per connection
 * here, never left to the handlers.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { toTsswarmError, TsswarmError } from '../api';
import { verifyTlsPeer, type NodeCredentials, type NodeIdentity, type PeerPolicy } from '../pki';
import { ALPN_HTTP, ALPN_RAFT, PUBLIC_PATHS } from './protocol';

export interface ClusterServerHandlers {
  /** The peer policy now (cluster id, registry of removed nodes and revoked serials). */
  policy(): PeerPolicy;
  /** An authenticated manager's raft stream. */
  onRaft(socket: tls.TLSSocket, peer: NodeIdentity): void;
  /** An HTTP request; `peer` is undefined only for PUBLIC_PATHS. */
  onRequest(req: http.IncomingMessage, res: http.ServerResponse, peer: NodeIdentity | undefined): void;
  /** An authenticated upgrade request (the agent session). */
  onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, peer: NodeIdentity): void;
}

export interface ClusterServerOptions {
  /** host:port to listen on. */
  listen: string;
  credentials: NodeCredentials;
  handlers: ClusterServerHandlers;
}

/** Sends `{"message"}` with the status; the shape every cluster endpoint answers errors in. */
export function sendRpcError(res: http.ServerResponse, err: unknown): void {
  const e = toTsswarmError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(e.httpStatus, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: e.message }));
}

export class ClusterServer {
  private tlsServer: tls.Server | undefined;
  private readonly http: http.Server;
  private readonly sockets = new Set<tls.TLSSocket>();
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: ClusterServerOptions) {
    this.http = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => this.request(req, res));
    this.http.on('upgrade', (req, socket: Duplex, head) => this.upgrade(req, socket, head));
    this.http.on('clientError', (_err, socket) => socket.destroy());
  }

  /** The bound address (after start), host:port. */
  address(): string {
    const a = this.tlsServer?.address();
    return a && typeof a === 'object' ? `${a.address}:${a.port}` : '';
  }

  /** Listens; rejects when the port cannot be bound. Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const { host, port } = splitHostPort(this.o.listen);
    const creds = this.o.credentials;
    const server = tls.createServer({
      key: creds.key,
      cert: creds.cert,
      ca: creds.ca,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      ALPNProtocols: [ALPN_RAFT, ALPN_HTTP],
    });
    server.on('secureConnection', (socket) => this.connection(socket));
    server.on('tlsClientError', () => undefined);
    this.tlsServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Serves a renewed certificate on new connections; open ones keep theirs. */
  setCredentials(creds: NodeCredentials): void {
    this.tlsServer?.setSecureContext({ key: creds.key, cert: creds.cert, ca: creds.ca });
  }

  private connection(socket: tls.TLSSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    if (socket.alpnProtocol === ALPN_RAFT) {
      let peer: NodeIdentity;
      try {
        peer = verifyTlsPeer(socket, { ...this.o.handlers.policy(), allowedRoles: ['manager'] });
      } catch {
        socket.destroy();
        return;
      }
      this.o.handlers.onRaft(socket, peer);
      return;
    }
    this.http.emit('connection', socket);
  }

  private peerOf(req: http.IncomingMessage): NodeIdentity {
    return verifyTlsPeer(req.socket as tls.TLSSocket, this.o.handlers.policy());
  }

  private request(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '').split('?')[0]!;
    let peer: NodeIdentity | undefined;
    if (!PUBLIC_PATHS.has(path)) {
      try {
        peer = this.peerOf(req);
      } catch (err) {
        sendRpcError(res, err);
        return;
      }
    }
    try {
      this.o.handlers.onRequest(req, res, peer);
    } catch (err) {
      sendRpcError(res, err);
    }
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    let peer: NodeIdentity;
    try {
      peer = this.peerOf(req);
    } catch (err) {
      const e = err instanceof TsswarmError ? err : toTsswarmError(err);
      socket.end(`HTTP/1.1 ${e.httpStatus} Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.o.handlers.onUpgrade(req, socket, head, peer);
  }

  /** Closes the listener and every connection. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      const server = this.tlsServer;
      for (const s of this.sockets) s.destroy();
      this.http.closeAllConnections?.();
      if (server?.listening) await new Promise<void>((r) => server.close(() => r()));
    })();
    return this.stopping;
  }
}

/** Splits host:port (IPv6 in brackets allowed). */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(addr);
  if (!m) throw new TypeError(`"${addr}" is not host:port`);
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}
