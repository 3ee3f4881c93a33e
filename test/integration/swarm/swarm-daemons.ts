/**
 * Test daemons for the swarm tier: real tsswarmd instances in this process, each with its own
 * data root, socket, containerd, bridge and cluster port on 127.0.0.1. Unlike
 * startTestDaemon, a daemon here can be stopped and started again on the same data root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { killLeftoverShims } from '../../support/containerd';
import { busyboxImages, testDaemonOptions } from '../../support/daemon';
import { Daemon } from '../../../worker/daemon/daemon';
import { ContainerdSupervisor } from '../../../worker/engine/containerd';
import type { DaemonOptions } from '../../../worker/daemon/options';

export interface Reply {
  status: number;
  body: string;
  json: any;
  headers: http.IncomingHttpHeaders;
}

export interface SwarmDaemon {
  readonly n: number;
  readonly socket: string;
  readonly dataRoot: string;
  /** This daemon's cluster address, 127.0.0.1:<port>. */
  readonly clusterAddr: string;
  daemon: Daemon;
  api(method: string, p: string, body?: unknown): Promise<Reply>;
  /** Stops the daemon, keeping its data root. */
  halt(): Promise<void>;
  /** Starts it again on the same data root. */
  resume(): Promise<void>;
  /** Stops it for good and removes its data root. */
  destroy(): Promise<void>;
}

export function apiRequest(socketPath: string, method: string, p: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { socketPath, method, path: p, headers: payload ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = data ? JSON.parse(data) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: data, json, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Daemon `n` (20..40 keeps bridges apart from other tiers' daemons); cluster port 24000 + n. */
export async function startSwarmDaemon(
  n: number,
  clusterPortBase = 24000,
  extra: Partial<DaemonOptions> = {},
): Promise<SwarmDaemon> {
  const dataRoot = mkdtempSync(path.join(tmpdir(), 'tsswarm-s-'));
  const socket = path.join(dataRoot, 'tsswarm.sock');
  const opts: DaemonOptions = {
    ...testDaemonOptions(dataRoot, socket, {
      bridge: `tsws${n}`,
      bip: `10.233.${n}.0/24`,
      cgroup: `tsswarm-swarm-test-${n}`,
    }),
    ...extra,
  };
  const make = () => new Daemon(opts, busyboxImages());
  const d: SwarmDaemon = {
    n,
    socket,
    dataRoot,
    clusterAddr: `127.0.0.1:${clusterPortBase + n}`,
    daemon: make(),
    api: (method, p, body) => apiRequest(socket, method, p, body),
    async halt() {
      await d.daemon.stop();
    },
    async resume() {
      d.daemon = make();
      await d.daemon.start();
    },
    async destroy() {
      await d.daemon.stop({ teardown: true }).catch(() => undefined);
      const supervisor = new ContainerdSupervisor({ dataRoot });
      killLeftoverShims(supervisor.address);
      // A daemon halted without a teardown (and not resumed) left its containerd's state dir.
      rmSync(supervisor.stateDir, { recursive: true, force: true });
      rmSync(dataRoot, { recursive: true, force: true });
    },
  };
  await d.daemon.start();
  return d;
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  ms = 20000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A manager (daemon `n`) and a worker (`n + 1`), joined, both ready. `initSpec` goes into the
 * swarm init request's Spec. Returns them with their node IDs.
 */
export async function startTwoNodeSwarm(
  n: number,
  clusterPortBase = 24000,
  initSpec?: Record<string, unknown>,
): Promise<{ mgr: SwarmDaemon; wkr: SwarmDaemon; mgrId: string; wkrId: string }> {
  const mgr = await startSwarmDaemon(n, clusterPortBase);
  const wkr = await startSwarmDaemon(n + 1, clusterPortBase).catch(async (err) => {
    await mgr.destroy();
    throw err;
  });
  const expect = (r: Reply, what: string) => {
    if (r.status !== 200) throw new Error(`${what}: ${r.status} ${r.body}`);
  };
  const init = await mgr.api('POST', '/v1.44/swarm/init', {
    ListenAddr: mgr.clusterAddr,
    AdvertiseAddr: mgr.clusterAddr,
    ...(initSpec ? { Spec: initSpec } : {}),
  });
  expect(init, 'swarm init');
  const token = (await mgr.api('GET', '/v1.44/swarm')).json.JoinTokens.Worker;
  const join = await wkr.api('POST', '/v1.44/swarm/join', {
    RemoteAddrs: [mgr.clusterAddr],
    JoinToken: token,
    ListenAddr: wkr.clusterAddr,
    AdvertiseAddr: wkr.clusterAddr,
  });
  expect(join, 'swarm join');
  await eventually(
    async () => {
      const nodes = (await mgr.api('GET', '/v1.44/nodes')).json as { Status: { State: string } }[];
      return nodes.length === 2 && nodes.every((x) => x.Status.State === 'ready');
    },
    20_000,
    'two ready nodes',
  );
  const wkrId = (await wkr.api('GET', '/v1.44/info')).json.Swarm.NodeID as string;
  return { mgr, wkr, mgrId: init.json as string, wkrId };
}

/**
 * Leaves the swarm on every daemon (the last first), force-removes their containers and
 * destroys them. `before` runs first, against the manager (removing services, secrets, ...).
 */
export async function teardownSwarm(ds: SwarmDaemon[], before?: (mgr: SwarmDaemon) => Promise<void>): Promise<void> {
  const [mgr] = ds;
  if (mgr && before) await before(mgr).catch(() => undefined);
  for (const d of [...ds].reverse()) await d.api('POST', '/v1.44/swarm/leave?force=1').catch(() => undefined);
  for (const d of ds) {
    const cs = ((await d.api('GET', '/v1.44/containers/json?all=1').catch(() => undefined))?.json ?? []) as {
      Id: string;
    }[];
    for (const c of cs) await d.api('DELETE', `/v1.44/containers/${c.Id}?force=1`).catch(() => undefined);
    await d.destroy();
  }
}
