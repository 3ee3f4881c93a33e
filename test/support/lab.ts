import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import * as path from 'node:path';
import { runCommand, type CommandResult } from '../../worker/network/run-command';

/**
 * The multi-host lab (deploy/lab) for the cluster tier: hosts h1..hN as network namespaces on
 * one machine, each with its own tsswarmd and containerd. Everything goes through the scripts,
 * so tests and people use the same lab.
 */

/** The repository root, from this file's compiled place (dist/test/support/lab.js or another build folder). */
const REPO = path.resolve(__dirname, '../../..');
const SCRIPTS = path.join(REPO, 'deploy', 'lab');
/** The daemon and CLI of the tree these tests were compiled into. */
const TREE = path.resolve(__dirname, '../..');

export interface LabHost {
  /** h1, h2, ... */
  name: string;
  /** Underlay address, 10.99.0.(10+K). */
  address: string;
  /** The API's unix socket path. */
  socket: string;
  /** tsswarmd's PID, 0 while it is down. */
  pid: number;
  /** The host's network namespace. */
  netns: string;
  /** The host's data root. */
  dataRoot: string;
}

export interface ApiResponse {
  status: number;
  body: string;
  json<T = unknown>(): T;
}

export interface Lab {
  dir: string;
  hosts: LabHost[];
  host(name: string): LabHost;
  /** Runs argv in the host's network namespace (`ip netns exec`); never throws for a non-zero exit. */
  exec(host: string | LabHost, argv: string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
  /** An Engine API request to the host's socket; it fails after timeoutMs (default 60 s). */
  api(
    host: string | LabHost,
    method: string,
    urlPath: string,
    body?: unknown,
    opts?: { timeoutMs?: number },
  ): Promise<ApiResponse>;
  /** kill -9 of the host's tsswarmd (deploy/lab/kill.sh); its containerd and containers stay. */
  kill(host: string | LabHost): Promise<void>;
  /** Starts the host's tsswarmd again on the same data (deploy/lab/start.sh). */
  start(host: string | LabHost): Promise<void>;
  /** Removes the whole lab (deploy/lab/down.sh); again is a no-op. */
  stop(): Promise<void>;
}

const NEEDED = [
  'ip',
  'iptables',
  'nsenter',
  'unshare',
  'setsid',
  'curl',
  'jq',
  'containerd',
  'runc',
  'containerd-shim-runc-v2',
];

/** Why the lab cannot run here, or undefined when it can. */
export function labUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, bridges, iptables, cgroups)';
  for (const bin of NEEDED) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return `${bin} is not installed (bash deploy/install-deps.sh)`;
    }
  }
  for (const plugin of ['bridge', 'host-local', 'portmap'])
    if (!existsSync(`/usr/lib/cni/${plugin}`))
      return `CNI plugin /usr/lib/cni/${plugin} is missing (containernetworking-plugins)`;
  if (!existsSync(path.join(TREE, 'worker/daemon/main.js'))) return `no daemon build at ${TREE}`;
  return undefined;
}

/** Skips the suite loudly when the lab cannot run here. Call from before(). */
export function requireLab(ctx: Mocha.Context): void {
  const why = labUnavailableReason();
  if (why) {
    console.warn(`SKIPPED ${ctx.test?.parent?.fullTitle() ?? ''}: ${why}`);
    ctx.skip();
  }
}

function scriptEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TSSWARMD: process.env.TSSWARMD ?? path.join(TREE, 'worker/daemon/main.js'),
    TSSWARM_CLI: process.env.TSSWARM_CLI ?? path.join(TREE, 'cli/main.js'),
    NODE: process.env.NODE ?? process.execPath,
  };
}

async function script(name: string, args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  const r = await runCommand('bash', [path.join(SCRIPTS, name), ...args], { env: scriptEnv(), timeoutMs });
  if (r.code !== 0) {
    throw new Error(`deploy/lab/${name} ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }
  return r;
}

function readHosts(dir: string): LabHost[] {
  const text = readFileSync(path.join(dir, 'hosts'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, address, socket, pid] = line.split(' ');
      return {
        name,
        address,
        socket,
        pid: pid === '-' ? 0 : Number(pid),
        netns: `tswlab-${name}`,
        dataRoot: path.join(dir, name),
      };
    });
}

function request(
  socket: string,
  method: string,
  urlPath: string,
  body?: unknown,
  timeoutMs = 60_000,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string | number> = {};
    if (payload) {
      headers['Content-Type'] = Buffer.isBuffer(body) ? 'application/x-tar' : 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const req = http.request({ socketPath: socket, method, path: urlPath, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} on ${socket}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Brings up hosts h1..hN (deploy/lab/up.sh) in `dir` (default $TSSWARM_TEST_LAB_DIR or
 * /tmp/tsswarm-lab-test), from scratch unless `keep`; `daemonArgs` go to every tsswarmd. One lab
 * per machine.
 */
export async function startLab(
  n: number,
  o: { dir?: string; daemonArgs?: string[]; keep?: boolean } = {},
): Promise<Lab> {
  const dir = path.resolve(o.dir ?? process.env.TSSWARM_TEST_LAB_DIR ?? '/tmp/tsswarm-lab-test');
  const dirArgs = ['--dir', dir];
  // A lab left in this dir by an interrupted run goes first (unless keep); down.sh refuses to
  // touch a lab that lives in another dir, so a person's lab is never removed by a test.
  if (!o.keep) await script('down.sh', dirArgs);
  // On failure up.sh has removed what it made, and the error carries its reason.
  await script('up.sh', [String(n), ...dirArgs, ...(o.daemonArgs?.length ? ['--', ...o.daemonArgs] : [])]);
  const hosts = readHosts(dir).filter((h) => Number(h.name.slice(1)) <= n);
  const refresh = () => {
    const now = readHosts(dir);
    for (const h of hosts) h.pid = now.find((x) => x.name === h.name)?.pid ?? 0;
  };
  const find = (h: string | LabHost): LabHost => {
    const name = typeof h === 'string' ? h : h.name;
    const host = hosts.find((x) => x.name === name);
    if (!host) throw new Error(`no lab host ${name} (have ${hosts.map((x) => x.name).join(', ')})`);
    return host;
  };
  return {
    dir,
    hosts,
    host: find,
    exec: (h, argv, opts = {}) =>
      runCommand('ip', ['netns', 'exec', find(h).netns, ...argv], { timeoutMs: opts.timeoutMs ?? 30_000 }),
    api: (h, method, urlPath, body, opts = {}) => request(find(h).socket, method, urlPath, body, opts.timeoutMs),
    async kill(h) {
      await script('kill.sh', [find(h).name, ...dirArgs]);
      refresh();
    },
    async start(h) {
      await script('start.sh', [find(h).name, ...dirArgs]);
      refresh();
    },
    async stop() {
      await script('down.sh', dirArgs);
      for (const h of hosts) h.pid = 0;
    },
  };
}
