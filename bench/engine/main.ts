/**
 * npm run bench:engine [-- --rounds N ...]: tsswarmd beside Docker Engine (Debian's dockerd, each
 * with its own containerd, data root and socket under one temp folder) on this machine, driven by
 * the same Engine API client over their unix sockets. Phases: create->running and stop->removed
 * for 1 and for 50 containers, pull of a 5-layer image from a loopback docker-registry, RSS with
 * 50 running. Rounds alternate docker, tsswarmd, ...; every measurement is a JSON line, the table
 * of medians comes last. Everything started is stopped by PID, even on Ctrl-C or error.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BenchDaemon } from './bench-daemon';
import { startDocker } from './docker-daemon';
import { EngineClient } from './engine-client';
import { parseFlags, type BenchFlags } from './flags';
import { pushBenchImage } from './image';
import { createRunning, pull, removeBenchContainers, rss, stopRemoved } from './phases';
import { cleanupOnSignals, unmountUnder, sleep } from './process';
import { childrenOf, cpuMs } from './procfs';
import { startRegistry } from './registry';
import { phaseName, table, type Measurement } from './report';
import { startTsswarmd } from './tsswarm-daemon';

const rows: Measurement[] = [];
function emit(m: Measurement): void {
  rows.push(m);
  process.stdout.write(`${JSON.stringify(m)}\n`);
}
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * CPU ms so far of the daemon with its children other than containerd (those it reaped, and
 * those still alive, such as a long-lived helper: a child alive at the first sample and reaped by
 * the second is counted once, as its total is in the reaped times), and of its containerd.
 */
function cpuOf(d: BenchDaemon): { daemon: number; reaped: number; containerd: number } {
  const x = cpuMs(d.pid);
  const ctd = d.containerdPid();
  let live = 0;
  for (const p of childrenOf(d.pid)) {
    if (p === ctd) continue;
    const c = cpuMs(p);
    live += c.self + c.children;
  }
  return { daemon: x.self + x.children + live, reaped: x.children + live, containerd: cpuMs(ctd).self };
}

function emitCpu(
  base: { round: number; daemon: BenchDaemon['name'] },
  phase: string,
  many: number,
  a: ReturnType<typeof cpuOf>,
  b: ReturnType<typeof cpuOf>,
): void {
  emit({
    ...base,
    phase: phaseName(`daemon cpu, ${phase}`, many),
    ms: b.daemon - a.daemon,
    reapedMs: b.reaped - a.reaped,
  });
  emit({ ...base, phase: phaseName(`containerd cpu, ${phase}`, many), ms: b.containerd - a.containerd });
}

/** One round on one daemon: pull, 1 container up and down, `many` up, RSS, `many` down. */
async function runRound(d: BenchDaemon, round: number, f: BenchFlags, repo: string, tag: string): Promise<void> {
  const c = d.client;
  const image = `${repo}:${tag}`;
  const base = { round, daemon: d.name };
  emit({ ...base, phase: 'pull 5 layers', ms: round1(await pull(c, repo, tag)) });
  const one = await createRunning(c, image, 1, 1);
  emit({ ...base, phase: 'create->running x1', ms: round1(one.ms) });
  const oneDown = await stopRemoved(c, one.ids, 1, f.stopTimeout);
  emit({ ...base, phase: 'stop->removed x1', ms: round1(oneDown.ms), killed: oneDown.killed });
  let cpu = cpuOf(d);
  const many = await createRunning(c, image, f.many, f.concurrency);
  emit({ ...base, phase: phaseName('create->running x50', f.many), ms: round1(many.ms) });
  emitCpu(base, 'create->running x50', f.many, cpu, cpuOf(d));
  await sleep(2000); // let the start burst settle before sampling memory
  const m = rss(d);
  emit({ ...base, phase: phaseName('rss daemon, 50 running', f.many), kb: m.daemonKb });
  emit({ ...base, phase: phaseName('rss containerd, 50 running', f.many), kb: m.containerdKb });
  emit({ ...base, phase: phaseName('rss shims (sum), 50 running', f.many), kb: m.shimsKb, shims: m.shims });
  emit({ ...base, phase: 'rss daemon+containerd+shims', kb: m.daemonKb + m.containerdKb + m.shimsKb });
  cpu = cpuOf(d);
  const manyDown = await stopRemoved(c, many.ids, f.concurrency, f.stopTimeout);
  emit({ ...base, phase: phaseName('stop->removed x50', f.many), ms: round1(manyDown.ms), killed: manyDown.killed });
  emitCpu(base, 'stop->removed x50', f.many, cpu, cpuOf(d));
}

/** Untimed: the first pull and container on a fresh daemon, so that round 1 is not a cold start. */
async function warmUp(d: BenchDaemon, repo: string, tag: string): Promise<void> {
  await d.client.pull(repo, tag);
  const r = await createRunning(d.client, `${repo}:${tag}`, 1, 1);
  await stopRemoved(d.client, r.ids, 1, 5);
}

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the engine benchmark runs daemons and containers: run it as root');
  const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-bench-engine-'));
  const tag = `${process.pid}`;
  const cleanups: Array<() => Promise<void>> = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.reverse())
        await fn().catch((e: Error) => process.stderr.write(`bench: cleanup: ${e.message}\n`));
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    })());
  cleanupOnSignals(cleanup);
  const daemons: BenchDaemon[] = [];
  let load1 = loadavg()[0];
  /** Stops a daemon: no new bench requests, then its bench containers removed, then the daemon by PID. */
  const own = (d: BenchDaemon, socket: string) => {
    daemons.push(d);
    cleanups.push(async () => {
      d.client.close();
      await sleep(200); // requests already sent finish; their containers are then listed below
      const c = new EngineClient(socket);
      await removeBenchContainers(c);
      c.close();
      await d.stop();
    });
  };
  try {
    const reg = await startRegistry(path.join(dir, 'registry'), f.registryPort);
    cleanups.push(() => reg.stop());
    const repo = `${reg.host}/bench/five-layers`;
    const bytes = await pushBenchImage(`${repo}:${tag}`);
    load1 = loadavg()[0];
    emit({
      round: 0,
      daemon: 'docker',
      phase: 'setup',
      setup: {
        image: `${repo}:${tag}`,
        imageBytes: bytes,
        layers: 5,
        containerCmd: 'sh -c \'trap "exit 0" TERM; sleep 3600 & wait\'',
        networkMode: 'none (dockerd --bridge none --iptables=false; tsswarmd containers never join its bridge)',
        stop: `POST /containers/{id}/stop?t=${f.stopTimeout} then DELETE /containers/{id}`,
        manyConcurrency: f.concurrency,
        api: 'v1.41 paths (dockerd 20.10 serves up to 1.41) over each unix socket, node http keep-alive',
        loadavg1: load1,
        cpus: cpus().length,
      },
    } as Measurement);
    if (f.only !== 'tsswarmd') {
      const dd = path.join(dir, 'docker');
      mkdirSync(dd);
      own(await startDocker(dd, `bench-docker-${process.pid}`), path.join(dd, 'docker.sock'));
    }
    if (f.only !== 'docker') {
      const td = path.join(dir, 'tsswarmd');
      mkdirSync(td);
      own(
        await startTsswarmd(td, `tsswarm-bench-${process.pid}`, {
          bridgeName: `tswb${process.pid % 100000}`,
          subnet: '10.231.254.0/24',
          nodeArgs: f.tsswarmdNodeArgs,
        }),
        path.join(td, 'tsswarm.sock'),
      );
    }
    for (const d of daemons) await warmUp(d, repo, tag);
    for (let r = 1; r <= f.rounds; r++) for (const d of daemons) await runRound(d, r, f, repo, tag);
  } finally {
    await cleanup();
  }
  process.stdout.write(`\n${table(rows, f.many)}\n`);
  process.stdout.write(
    `targets: every time ratio tsswarmd/docker <= 0.5, daemon RSS ratio <= 1.0 (cpu rows: CPU time used in the phase, daemon with its children but containerd, reaped or alive); medians of ${f.rounds} rounds; ` +
      `load average ${load1.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at the end, ${cpus().length} CPUs\n` +
      `containers: NetworkMode none on both, sh -c 'trap "exit 0" TERM; sleep 3600 & wait'; x${f.many} phases ` +
      `${f.concurrency} at a time; stop: POST /containers/{id}/stop?t=${f.stopTimeout} then DELETE /containers/{id}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench:engine: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
