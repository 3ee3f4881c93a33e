/**
 * npm run bench:failover [-- --rounds N] [--dir DIR]: leader failover in a 3-manager swarm on
 * the lab (deploy/lab, hosts h1..h3 as network namespaces, default raft tick and election
 * timeout). Each round finds the leader, kill -9s its tsswarmd, measures the time from the
 * SIGKILL until another manager answers GET /nodes (polled every 20 ms over its unix socket)
 * with a different Leader, then starts the killed daemon again and waits until it is ready and
 * reachable. Prints each figure, the median, and the RSS of every tsswarmd and its containerd at
 * the end; the lab is removed at the end, on error and on Ctrl-C. Needs root.
 */
import http from 'node:http';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NodeObject } from '../../src/api/swarm-types';
import { labUnavailableReason, startLab, type Lab } from '../../test/support/lab';
import { cmdline, vmRssKb } from '../engine/procfs';

const USAGE = 'usage: npm run bench:failover -- [--rounds N] [--dir DIR]   (as root, after npm run build)\n';
const HOSTS = ['h1', 'h2', 'h3'];
const PORT = 2377;
const POLL_MS = 20;

interface Flags {
  rounds: number;
  dir: string;
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { rounds: 5, dir: '/tmp/tsswarm-lab-failover' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--rounds' && v && /^[1-9]\d*$/.test(v)) f.rounds = Number(v);
    else if (a === '--dir' && v) f.dir = v;
    else throw new Error(`unknown or incomplete flag ${a}\n${USAGE}`);
    i++;
  }
  return f;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(socket: string, p: string, timeoutMs: number): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'GET', path: p, timeout: timeoutMs }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = data ? JSON.parse(data) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${p}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

function post(socket: string, p: string, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      {
        socketPath: socket,
        method: 'POST',
        path: p,
        timeout: 60_000,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: data ? JSON.parse(data) : undefined }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${p}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function nodes(lab: Lab, h: string, timeoutMs = 2_000): Promise<NodeObject[] | undefined> {
  try {
    const r = await get(lab.host(h).socket, '/nodes', timeoutMs);
    return r.status === 200 && Array.isArray(r.json) ? (r.json as NodeObject[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Three managers, all ready and reachable, one leader, as seen from `h`; the leader's host then. */
async function settled(lab: Lab, h: string): Promise<string | undefined> {
  const list = await nodes(lab, h);
  if (!list || list.length !== HOSTS.length) return undefined;
  const ok = list.every((n) => n.Status.State === 'ready' && n.ManagerStatus?.Reachability === 'reachable');
  const leaders = list.filter((n) => n.ManagerStatus?.Leader);
  if (!ok || leaders.length !== 1) return undefined;
  const ip = leaders[0]!.ManagerStatus!.Addr.split(':')[0]!;
  return lab.hosts.find((x) => x.address === ip)?.name;
}

async function waitFor<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

/** The containerd started by the host's daemon (its --config names the host's data root). */
function containerdPid(dataRoot: string): number | undefined {
  const config = path.join(dataRoot, 'containerd', 'config.toml');
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const c = cmdline(Number(d));
    const i = c.indexOf('--config');
    if (i >= 0 && c[i + 1] === config) return Number(d);
  }
  return undefined;
}

const mib = (kb: number | undefined) => (kb === undefined ? '-' : `${(kb / 1024).toFixed(1)} MiB`);

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const why = labUnavailableReason();
  if (why) throw new Error(`the lab cannot run here: ${why}`);
  let lab: Lab | undefined;
  let stopping = false;
  const down = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('removing the lab...\n');
    await lab?.stop();
  };
  process.on('SIGINT', () => {
    void down().finally(() => process.exit(130));
  });
  try {
    process.stderr.write(`lab: 3 hosts in ${flags.dir}\n`);
    lab = await startLab(HOSTS.length, { dir: flags.dir });
    const l = lab;
    const addr = (h: string) => `${l.host(h).address}:${PORT}`;
    const init = await post(l.host('h1').socket, '/swarm/init', { ListenAddr: addr('h1'), AdvertiseAddr: addr('h1') });
    if (init.status !== 200) throw new Error(`swarm init on h1: ${init.status} ${JSON.stringify(init.json)}`);
    const swarm = await get(l.host('h1').socket, '/swarm', 10_000);
    const token = (swarm.json as { JoinTokens: { Manager: string } }).JoinTokens.Manager;
    for (const h of HOSTS.slice(1)) {
      const r = await post(l.host(h).socket, '/swarm/join', {
        RemoteAddrs: [addr('h1')],
        JoinToken: token,
        ListenAddr: addr(h),
        AdvertiseAddr: addr(h),
      });
      if (r.status !== 200) throw new Error(`swarm join on ${h}: ${r.status} ${JSON.stringify(r.json)}`);
    }
    for (const h of HOSTS) await waitFor(`3 ready managers seen from ${h}`, 60_000, () => settled(l, h));
    process.stdout.write(`swarm of ${HOSTS.length} managers up; ${flags.rounds} rounds\n`);

    const figures: number[] = [];
    for (let round = 1; round <= flags.rounds; round++) {
      const leader = await waitFor('a leader', 60_000, () => settled(l, 'h1').then((x) => x ?? settled(l, 'h2')));
      const oldId = (await nodes(l, leader))!.find((n) => n.ManagerStatus?.Leader)!.ID;
      const others = HOSTS.filter((h) => h !== leader);
      const pid = l.host(leader).pid;
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      // First answer with another leader, from each survivor.
      const seen = await Promise.all(
        others.map(async (h) => {
          while (performance.now() - t0 < 60_000) {
            const started = performance.now();
            const list = await nodes(l, h, 1_000);
            const lead = list?.find((n) => n.ManagerStatus?.Leader);
            if (lead && lead.ID !== oldId) return performance.now() - t0;
            await sleep(Math.max(0, POLL_MS - (performance.now() - started)));
          }
          throw new Error(`no new leader seen on ${h} within 60 s`);
        }),
      );
      const ms = Math.min(...seen);
      figures.push(ms);
      // start.sh finds the pid file naming a dead process and starts the daemon on the same data.
      const t1 = performance.now();
      await l.start(leader);
      const pinged = performance.now() - t1;
      await waitFor(`${leader} ready again`, 60_000, async () => {
        const mine = await settled(l, leader);
        const theirs = await settled(l, others[0]!);
        return mine && theirs ? true : undefined;
      });
      const back = performance.now() - t1;
      process.stdout.write(
        `round ${round}: killed ${leader} (pid ${pid}); another leader after ${ms.toFixed(0)} ms ` +
          `(${others.map((h, i) => `${h} ${seen[i]!.toFixed(0)} ms`).join(', ')}); ` +
          `${leader} answered /_ping ${(pinged / 1000).toFixed(1)} s after start.sh began, ready and reachable after ${(back / 1000).toFixed(1)} s\n`,
      );
    }
    const sorted = [...figures].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    process.stdout.write(
      `failover (SIGKILL of the leader -> GET /nodes on another manager names a new Leader): ` +
        `${figures.map((x) => x.toFixed(0)).join(', ')} ms; median ${median.toFixed(0)} ms\n`,
    );
    process.stdout.write('RSS at the end:\n');
    for (const h of l.hosts) {
      const ctd = containerdPid(h.dataRoot);
      process.stdout.write(
        `  ${h.name}: tsswarmd ${mib(vmRssKb(h.pid))} (pid ${h.pid}), containerd ${mib(ctd ? vmRssKb(ctd) : undefined)} (pid ${ctd ?? '-'})\n`,
      );
    }
  } finally {
    await down();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:failover: ${err.message}\n`);
  process.exit(1);
});
