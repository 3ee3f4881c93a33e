import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { InvalidArgumentError } from '../../src/api';
import type { ContainerService } from '../engine/containers';
import { handleAttachUpgrade } from './attach';
import { handleExecStartUpgrade } from './exec-upgrade';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** A listen address: unix:///path or tcp://host:port. */
export interface ListenSpec {
  kind: 'unix' | 'tcp';
  path?: string;
  host?: string;
  port?: number;
}

/** Parses -H values; tcp without TLS is refused by the caller. */
export function parseListen(h: string): ListenSpec {
  if (h.startsWith('unix://')) return { kind: 'unix', path: h.slice('unix://'.length) };
  if (h.startsWith('tcp://')) {
    const u = new URL(h.replace(/^tcp:/, 'http:'));
    return { kind: 'tcp', host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 2376) };
  }
  throw new InvalidArgumentError(`--host: unsupported address ${h} (use unix:///path or tcp://host:port)`);
}

/** The API's listeners: unix sockets (root, 0660) and TCP with mandatory mutual TLS. */
export class ApiServer {
  private readonly servers: http.Server[] = [];
  private readonly sockets: string[] = [];
  /** Hijacked connections: server.close() does not see them, and a stream may outlive its client. */
  private readonly hijacked = new Set<Duplex>();

  constructor(
    private readonly app: Express,
    private readonly containers: ContainerService,
  ) {}

  async listen(spec: ListenSpec, tls?: TlsFiles): Promise<void> {
    let server: http.Server;
    if (spec.kind === 'tcp') {
      if (!tls)
        throw new InvalidArgumentError(
          `refusing to listen on tcp://${spec.host}:${spec.port} without --tlsverify, --tlscacert, --tlscert and --tlskey`,
        );
      server = https.createServer(
        {
          ca: readFileSync(tls.ca),
          cert: readFileSync(tls.cert),
          key: readFileSync(tls.key),
          requestCert: true,
          rejectUnauthorized: true,
        },
        this.app,
      );
    } else {
      server = http.createServer(this.app);
    }
    server.keepAliveTimeout = 65_000;
    server.on('upgrade', (req, socket, head: Buffer) => {
      this.hijacked.add(socket);
      socket.once('close', () => this.hijacked.delete(socket));
      if (
        !handleAttachUpgrade(this.containers, req, socket, head) &&
        !handleExecStartUpgrade(this.containers.execs, req, socket, head)
      ) {
        const body = JSON.stringify({ message: 'this endpoint cannot be upgraded' });
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (spec.kind === 'unix') {
        const p = spec.path!;
        mkdirSync(path.dirname(p), { recursive: true });
        if (existsSync(p)) rmSync(p);
        server.listen(p, () => {
          chmodSync(p, 0o660);
          this.sockets.push(p);
          resolve();
        });
      } else {
        server.listen(spec.port, spec.host, () => resolve());
      }
    });
    this.servers.push(server);
  }

  async close(): Promise<void> {
    for (const s of this.hijacked) s.destroy();
    this.hijacked.clear();
    await Promise.all(
      this.servers.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections?.();
          }),
      ),
    );
    for (const p of this.sockets.splice(0)) rmSync(p, { force: true });
  }
}
