import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';

/** Where the CLI talks to: a unix socket or tcp with optional TLS client certificates. */
export interface Endpoint {
  host: string;
  tls?: { ca?: string; cert?: string; key?: string; verify: boolean };
}

/** A daemon error: the status and Docker's `{"message"}`. */
export class DaemonError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | string[]>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw request body (a tar for load). */
  stream?: NodeJS.ReadableStream;
}

/** A minimal Engine API client over node:http, without dependencies. */
export class ApiClient {
  private version = '';

  constructor(readonly endpoint: Endpoint) {}

  private base(): http.RequestOptions {
    const h = this.endpoint.host;
    if (h.startsWith('unix://')) return { socketPath: h.slice(7) };
    const u = new URL(h.replace(/^tcp:/, this.endpoint.tls ? 'https:' : 'http:'));
    const o: https.RequestOptions = { host: u.hostname, port: Number(u.port || 2376) };
    const t = this.endpoint.tls;
    if (t) {
      if (t.ca) o.ca = readFileSync(t.ca);
      if (t.cert) o.cert = readFileSync(t.cert);
      if (t.key) o.key = readFileSync(t.key);
      o.rejectUnauthorized = t.verify;
    }
    return o;
  }

  private transport(): typeof http | typeof https {
    return this.endpoint.host.startsWith('tcp://') && this.endpoint.tls ? https : http;
  }

  /** Negotiates the API version from /_ping once. */
  async negotiate(): Promise<string> {
    if (this.version) return this.version;
    const res = await this.raw('HEAD', '/_ping', {}, false);
    res.resume();
    this.version = String(res.headers['api-version'] ?? '1.24');
    if (Number(this.version.split('.')[1]) > 44) this.version = '1.44';
    return this.version;
  }

  private path(p: string, q?: RequestOptions['query']): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(q ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const x of v) qs.append(k, x);
      else qs.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    }
    const s = qs.toString();
    return s ? `${p}?${s}` : p;
  }

  /** The response as it comes (for streams); errors become DaemonError. */
  async raw(method: string, p: string, o: RequestOptions = {}, versioned = true): Promise<http.IncomingMessage> {
    const prefix = versioned ? `/v${await this.negotiate()}` : '';
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    let payload: Buffer | undefined;
    if (o.body !== undefined) {
      payload = Buffer.from(JSON.stringify(o.body));
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    } else if (o.stream) {
      headers['Content-Type'] = 'application/x-tar';
    }
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = this.transport().request(
        { ...this.base(), method, path: prefix + this.path(p, o.query), headers },
        resolve,
      );
      req.on('error', (err) =>
        reject(
          new DaemonError(
            0,
            `Cannot connect to the tsswarm daemon at ${this.endpoint.host}. Is the tsswarm daemon running? (${err.message})`,
          ),
        ),
      );
      if (o.stream) o.stream.pipe(req);
      else req.end(payload);
    });
    if ((res.statusCode ?? 500) >= 400) {
      const text = await readAll(res);
      let message = text.toString().trim();
      try {
        message = JSON.parse(message).message ?? message;
      } catch {
        /* not JSON */
      }
      throw new DaemonError(res.statusCode ?? 500, message);
    }
    return res;
  }

  async json<T = unknown>(method: string, p: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, p, o);
    const text = (await readAll(res)).toString();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Reads a JSON-lines stream (pull, push, load, events), calling fn for each message. */
  async jsonLines(
    method: string,
    p: string,
    o: RequestOptions,
    fn: (m: Record<string, unknown>) => void,
  ): Promise<void> {
    const res = await this.raw(method, p, o);
    let buf = '';
    for await (const chunk of res) {
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) fn(JSON.parse(line));
      }
    }
    if (buf.trim()) fn(JSON.parse(buf));
  }

  /** POST with Connection: Upgrade (attach, exec start); resolves with the raw socket after 101. */
  async hijack(p: string, q: RequestOptions['query'], body?: unknown): Promise<Duplex> {
    const prefix = `/v${await this.negotiate()}`;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = this.transport().request({
        ...this.base(),
        method: 'POST',
        path: prefix + this.path(p, q),
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'tcp',
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
        },
      });
      req.on('upgrade', (_res, socket, head) => {
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', async (res) => {
        const text = (await readAll(res)).toString();
        let message = text;
        try {
          message = JSON.parse(text).message;
        } catch {
          /* raw */
        }
        reject(new DaemonError(res.statusCode ?? 500, message));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

export async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(parts);
}

/** Splits Docker's multiplexed stream into stdout and stderr writes. */
export function demux(onOut: (b: Buffer) => void, onErr: (b: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const len = pending.readUInt32BE(4);
      if (pending.length < 8 + len) break;
      const data = pending.subarray(8, 8 + len);
      if (pending[0] === 2) onErr(data);
      else onOut(data);
      pending = pending.subarray(8 + len);
    }
  };
}
