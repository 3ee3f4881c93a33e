import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from './free-port';

const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Why the test registry cannot run here, or undefined when it can. */
export function registryUnavailableReason(): string | undefined {
  return existsSync(REGISTRY_BIN) ? undefined : `${REGISTRY_BIN} is not installed (bash deploy/install-deps.sh)`;
}

/** Skips the suite loudly when Debian's docker-registry is absent. Call from before(). */
export function requireRegistry(ctx: Mocha.Context): void {
  const why = registryUnavailableReason();
  if (why) {
    console.warn(`SKIPPED ${ctx.test?.parent?.fullTitle() ?? ''}: ${why}`);
    ctx.skip();
  }
}

/**
 * A bcrypt htpasswd line for user:password, from `htpasswd -nbB` (apache2-utils) or, failing that,
 * Python's crypt module (libxcrypt's bcrypt); undefined when neither is here.
 */
export function htpasswdLine(user: string, password: string): string | undefined {
  try {
    return execFileSync('htpasswd', ['-nbB', user, password], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    /* no apache2-utils */
  }
  try {
    const script = 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))';
    const hash = execFileSync('python3', ['-W', 'ignore', '-c', script, password], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return hash.startsWith('$2') ? `${user}:${hash}` : undefined;
  } catch {
    return undefined;
  }
}

/** Why the token-auth registry cannot run here (it needs openssl to make its signing cert). */
export function tokenAuthUnavailableReason(): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v openssl'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed (needed to sign registry tokens)';
  }
}

const TOKEN_SERVICE = 'tsswarm-test-registry';
const TOKEN_ISSUER = 'tsswarm-test-issuer';

/**
 * A Bearer token server for the registry (Docker's token auth): GET /token?service&scope with Basic
 * credentials returns a JWT (ES256, x5c chain) granting the scope's actions to the right user;
 * anonymous callers get a token that grants nothing, wrong passwords get 401.
 */
async function startTokenServer(
  dir: string,
  user: { username: string; password: string },
): Promise<{ realm: string; certPath: string; close(): Promise<void> }> {
  const keyPath = path.join(dir, 'token.key');
  const certPath = path.join(dir, 'token.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=tsswarm-test-token',
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(keyPath);
  const der = readFileSync(certPath, 'utf8').replace(/-----[^-]+-----|\s/g, '');
  const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    let subject = '';
    if (auth.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (u !== user.username || rest.join(':') !== user.password) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] }));
        return;
      }
      subject = u;
    }
    const access = [];
    const scope = url.searchParams.get('scope');
    if (subject && scope) {
      const [type, name, actions] = scope.split(':');
      access.push({ type, name, actions: actions.split(',') });
    }
    const now = Math.floor(Date.now() / 1000);
    const header = b64u({ typ: 'JWT', alg: 'ES256', x5c: [der] });
    const claims = b64u({
      iss: TOKEN_ISSUER,
      sub: subject,
      aud: url.searchParams.get('service') ?? '',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    });
    const sig = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${header}.${claims}.${sig.toString('base64url')}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certPath,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** The registry's filesystem storage root. */
  storageDir: string;
  /** Path of a blob's data file in the storage (to corrupt it in tests). */
  blobDataPath(digest: string): string;
  stop(): Promise<void>;
}

function probe(host: string): Promise<number> {
  return new Promise((resolve) => {
    const r = http.get(`http://${host}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    r.on('error', () => resolve(0));
    r.setTimeout(1000, () => r.destroy());
  });
}

/**
 * Debian's docker-registry on a free loopback port with filesystem storage in a temp dir; with
 * `basicAuth`, htpasswd (bcrypt) auth; with `tokenAuth`, Docker's token auth. Throws when basic auth is asked for but no bcrypt tool is
 * here (check htpasswdLine() first to skip). stop() kills it by PID and removes the dir.
 */
export async function startTestRegistry(
  o: {
    /** htpasswd (bcrypt) auth with this user. */
    basicAuth?: { username: string; password: string };
    /** Bearer token auth through a loopback token server that knows this user. */
    tokenAuth?: { username: string; password: string };
  } = {},
): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-registry-'));
  const storageDir = path.join(dir, 'storage');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (o.basicAuth) {
    const line = htpasswdLine(o.basicAuth.username, o.basicAuth.password);
    if (!line) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('no bcrypt tool (htpasswd from apache2-utils, or python3 crypt) to make an htpasswd file');
    }
    writeFileSync(path.join(dir, 'htpasswd'), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: tsswarm-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  let tokenServer: Awaited<ReturnType<typeof startTokenServer>> | undefined;
  if (o.tokenAuth) {
    tokenServer = await startTokenServer(dir, o.tokenAuth);
    auth =
      `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${TOKEN_SERVICE}\n` +
      `    issuer: ${TOKEN_ISSUER}\n    rootcertbundle: ${tokenServer.certPath}\n`;
  }
  const config =
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n` +
    `storage:\n  filesystem:\n    rootdirectory: ${storageDir}\n  delete:\n    enabled: true\n` +
    `http:\n  addr: ${host}\n` +
    auth;
  writeFileSync(path.join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    await tokenServer?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const status = await probe(host);
    if (status === 200 || status === 401) {
      return {
        host,
        storageDir,
        blobDataPath: (digest) => {
          const hex = digest.replace(/^sha256:/, '');
          return path.join(storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
        },
        stop,
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
}
