/**
 * Calls to another node's cluster port: the unauthenticated CA fetch and join, and JSON calls
 * with this node's certificate. Every call has a timeout and fails with PeerUnreachableError or
 * RemoteCallError, never hangs.
 */
import * as https from 'node:https';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';

/** https request options with the TLS ones node passes on to tls.connect (ALPN among them). */
export type TlsRequestOptions = https.RequestOptions & ConnectionOptions;
import { InvalidArgumentError } from '../api';
import { readNodeIdentity, toPem, verifyCaAgainstToken, type NodeCredentials } from '../pki';
import { splitHostPort } from './cluster-server';
import { PeerUnreachableError, RemoteCallError } from './errors';
import { ALPN_HTTP, RPC_PATHS } from './protocol';

/** Default timeout of one cluster call. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

interface CallOptions {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  tls: TlsRequestOptions;
  timeoutMs?: number;
}

function call(addr: string, o: CallOptions): Promise<{ status: number; body: string }> {
  const { host, port } = splitHostPort(addr);
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const options: TlsRequestOptions = {
      ...o.tls,
      host,
      port,
      method: o.method,
      path: o.path,
      agent: false,
      ALPNProtocols: [ALPN_HTTP],
      minVersion: 'TLSv1.2',
      headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {},
      timeout: o.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    };
    const req = https.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(new PeerUnreachableError(addr, { cause: err })));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new PeerUnreachableError(addr, { cause: err })));
    req.end(payload);
  });
}

function decode<T>(addr: string, r: { status: number; body: string }): T {
  let parsed: unknown;
  try {
    parsed = r.body ? JSON.parse(r.body) : {};
  } catch {
    throw new RemoteCallError(502, `${addr}: answered with a body that is not JSON`);
  }
  if (r.status >= 300) {
    const message = (parsed as { message?: unknown }).message;
    throw new RemoteCallError(r.status, typeof message === 'string' ? message : `${addr}: status ${r.status}`);
  }
  return parsed as T;
}

/**
 * Fetches the root CA from a manager with no trust at all, and returns it only when it is the
 * CA the join token pins (InvalidArgumentError otherwise): the one step where the joining node
 * learns whom to trust.
 */
export async function fetchTrustedRootCa(addr: string, token: string, timeoutMs?: number): Promise<string> {
  const r = await call(addr, { method: 'GET', path: RPC_PATHS.ca, tls: { rejectUnauthorized: false }, timeoutMs });
  if (r.status !== 200) throw new RemoteCallError(r.status, `${addr}: could not fetch the root CA`);
  verifyCaAgainstToken(r.body, token);
  return r.body;
}

/** TLS options pinning `caPem` for a server that must present a manager certificate. */
function pinnedManager(caPem: string): TlsRequestOptions {
  return {
    ca: caPem,
    rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      try {
        const id = readNodeIdentity(toPem(cert.raw, 'CERTIFICATE'));
        return id.role === 'manager' ? undefined : new Error('the remote is not a manager');
      } catch (err) {
        return err as Error;
      }
    },
  };
}

/** POST without a client certificate to a manager whose CA is pinned (the join call). */
export async function postPinned<T>(
  addr: string,
  caPem: string,
  path: string,
  body: unknown,
  timeoutMs?: number,
): Promise<T> {
  return decode<T>(addr, await call(addr, { method: 'POST', path, body, tls: pinnedManager(caPem), timeoutMs }));
}

/** A JSON call with this node's certificate to a manager of its cluster. */
export async function callManager<T>(
  addr: string,
  creds: NodeCredentials,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs?: number,
): Promise<T> {
  if (!creds.cert) throw new InvalidArgumentError('no node certificate');
  const tls = { ...pinnedManager(creds.ca), key: creds.key, cert: creds.cert };
  return decode<T>(addr, await call(addr, { method, path, body, tls, timeoutMs }));
}

/** TLS options for a WebSocket client to a manager (the agent session). */
export function sessionTlsOptions(creds: NodeCredentials): TlsRequestOptions {
  return { ...pinnedManager(creds.ca), key: creds.key, cert: creds.cert, ALPNProtocols: [ALPN_HTTP] };
}
