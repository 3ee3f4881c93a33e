import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { UnavailableError } from '../../src/api';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a stream of known length (sent with Content-Length, not chunked). */
  body?: Buffer | StreamBody;
  timeoutMs?: number;
}

/** A request body read from a stream; `open` is called once per attempt. */
export interface StreamBody {
  size: number;
  open: () => Readable;
}

/**
 * One HTTP(S) exchange; resolves with the response once headers arrive (the body is left to the
 * caller). Connection failures become UnavailableError naming the URL.
 */
export function httpRequest(req: HttpRequest): Promise<http.IncomingMessage> {
  const mod = req.url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { ...req.headers };
  const body = req.body;
  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  else if (body) headers['content-length'] = String(body.size);
  return new Promise((resolve, reject) => {
    const r = mod.request(req.url, { method: req.method, headers }, resolve);
    r.setTimeout(req.timeoutMs ?? 60_000, () =>
      r.destroy(new UnavailableError(`${req.method} ${req.url.href}: no answer within ${req.timeoutMs ?? 60_000} ms`)),
    );
    r.on('error', (err) =>
      reject(
        err instanceof UnavailableError
          ? err
          : new UnavailableError(`${req.method} ${req.url.href}: ${err.message}`, { cause: err }),
      ),
    );
    if (body && !Buffer.isBuffer(body)) {
      const src = body.open();
      src.on('error', (err) => r.destroy(err));
      src.pipe(r);
    } else r.end(body);
  });
}

/** The whole body of a response, bounded (registry error and manifest bodies are small). */
export async function readBody(res: http.IncomingMessage, limit = 32 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new UnavailableError(`response from ${res.url ?? 'registry'} larger than ${limit} bytes`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Whether a host is on the loopback network (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(hostPort: string): boolean {
  let host = hostPort;
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']'));
  else if (host.split(':').length === 2) host = host.split(':')[0];
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
