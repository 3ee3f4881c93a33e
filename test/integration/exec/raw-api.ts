import * as http from 'node:http';
import * as net from 'node:net';
import { parseStdcopy } from '../../../worker/engine/containers';

/** A hijacked Engine API connection as the docker CLI opens one (raw HTTP over the socket). */
export interface Hijacked {
  status: number;
  headers: Record<string, string>;
  /** What came after the response head (the stream, or an error body). */
  socket: net.Socket;
  /** Bytes received after the head, so far. */
  received: Buffer[];
  /** Resolves with everything received once the daemon ends the stream. */
  ended: Promise<Buffer>;
}

export function hijack(socketPath: string, p: string, body?: unknown): Promise<Hijacked> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath, allowHalfOpen: true });
    const payload = body === undefined ? '' : JSON.stringify(body);
    socket.write(
      `POST ${p} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
        (payload ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n` : '') +
        `\r\n${payload}`,
    );
    let head = Buffer.alloc(0);
    const received: Buffer[] = [];
    let endResolve: (b: Buffer) => void;
    const ended = new Promise<Buffer>((r) => (endResolve = r));
    const onData = (c: Buffer) => {
      head = Buffer.concat([head, c]);
      const i = head.indexOf('\r\n\r\n');
      if (i < 0) return;
      socket.off('data', onData);
      const lines = head.subarray(0, i).toString().split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const j = l.indexOf(':');
        headers[l.slice(0, j).toLowerCase()] = l.slice(j + 1).trim();
      }
      const rest = head.subarray(i + 4);
      if (rest.length) received.push(rest);
      socket.on('data', (d: Buffer) => received.push(d));
      socket.on('end', () => endResolve(Buffer.concat(received)));
      socket.on('close', () => endResolve(Buffer.concat(received)));
      resolve({ status, headers, socket, received, ended });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

/** stdout and stderr of a multiplexed stream. */
export function demuxed(buf: Buffer): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  for (const f of parseStdcopy(buf)) {
    if (f.stream === 'stderr') stderr += f.data.toString();
    else stdout += f.data.toString();
  }
  return { stdout, stderr };
}

export interface Reply {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
}

/** One plain request over the daemon's unix socket. */
export function request(socketPath: string, method: string, p: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      { socketPath, method, path: p, headers: payload ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: data, json: () => JSON.parse(data) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Polls until fn returns a value other than undefined (or throws after timeoutMs). */
export async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
