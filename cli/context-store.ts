import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { Endpoint } from './api-client';

/** A named endpoint, like docker's contexts. */
export interface Context {
  Name: string;
  Description?: string;
  Endpoint: Endpoint;
}

/** Contexts as files under $TSSWARM_CONFIG (default ~/.tsswarm)/contexts, and the current one in config.json. */
export class ContextStore {
  readonly dir: string;

  constructor(dir = process.env.TSSWARM_CONFIG ?? path.join(homedir(), '.tsswarm')) {
    this.dir = dir;
  }

  private file(name: string): string {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$/.test(name))
      throw new Error(`context name "${name}" is invalid: it must match [a-zA-Z0-9][a-zA-Z0-9_.+-]*`);
    return path.join(this.dir, 'contexts', `${name}.json`);
  }

  list(): Context[] {
    const d = path.join(this.dir, 'contexts');
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(path.join(d, f), 'utf8')) as Context)
      .sort((a, b) => a.Name.localeCompare(b.Name));
  }

  get(name: string): Context {
    const f = this.file(name);
    if (!existsSync(f)) throw new Error(`context "${name}" does not exist`);
    return JSON.parse(readFileSync(f, 'utf8')) as Context;
  }

  create(c: Context): void {
    const f = this.file(c.Name);
    if (c.Name === 'default') throw new Error('context "default" is reserved');
    if (existsSync(f)) throw new Error(`context "${c.Name}" already exists`);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, JSON.stringify(c, null, 2));
  }

  remove(name: string): void {
    const f = this.file(name);
    if (!existsSync(f)) throw new Error(`context "${name}" does not exist`);
    if (this.current() === name)
      throw new Error(`context "${name}" is in use, set a different context with "tsswarm context use"`);
    rmSync(f);
  }

  current(): string {
    const f = path.join(this.dir, 'config.json');
    if (!existsSync(f)) return 'default';
    return (JSON.parse(readFileSync(f, 'utf8')) as { currentContext?: string }).currentContext || 'default';
  }

  use(name: string): void {
    if (name !== 'default') this.get(name);
    mkdirSync(this.dir, { recursive: true });
    const f = path.join(this.dir, 'config.json');
    const cfg = existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : {};
    cfg.currentContext = name === 'default' ? undefined : name;
    writeFileSync(f, JSON.stringify(cfg, null, 2));
  }
}

export const DEFAULT_HOST = 'unix:///run/tsswarm/tsswarm.sock';

export interface GlobalOptions {
  host?: string[];
  context?: string;
  tlsverify?: boolean;
  tls?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

/**
 * The endpoint to use, with docker's precedence: -H, else --context, else TSSWARM_HOST, else
 * TSSWARM_CONTEXT / the current context, else the default socket.
 */
export function resolveEndpoint(g: GlobalOptions, store = new ContextStore(), env = process.env): Endpoint {
  if (g.host && g.host.length > 1) throw new Error('Specify only one -H');
  if (g.host?.length && g.context) throw new Error('conflicting options: either specify --host or --context, not both');
  const certDir = env.TSSWARM_CERT_PATH ?? path.join(store.dir);
  const tls =
    g.tlsverify || g.tls || env.TSSWARM_TLS_VERIFY
      ? {
          verify: !!(g.tlsverify || env.TSSWARM_TLS_VERIFY),
          ca: g.tlscacert ?? path.join(certDir, 'ca.pem'),
          cert: g.tlscert ?? path.join(certDir, 'cert.pem'),
          key: g.tlskey ?? path.join(certDir, 'key.pem'),
        }
      : undefined;
  const host = g.host?.[0];
  if (host) return { host: normalizeHost(host), tls };
  const ctxName = g.context ?? (env.TSSWARM_HOST ? undefined : (env.TSSWARM_CONTEXT ?? store.current()));
  if (!g.context && env.TSSWARM_HOST) return { host: normalizeHost(env.TSSWARM_HOST), tls };
  if (ctxName && ctxName !== 'default') return store.get(ctxName).Endpoint;
  return { host: DEFAULT_HOST, tls };
}

function normalizeHost(h: string): string {
  if (h.startsWith('unix://') || h.startsWith('tcp://')) return h;
  if (h.startsWith('/')) return `unix://${h}`;
  throw new Error(`invalid host "${h}": use unix:///path or tcp://host:port`);
}
