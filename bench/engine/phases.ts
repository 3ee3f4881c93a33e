import { performance } from 'node:perf_hooks';
import type { BenchDaemon } from './bench-daemon';
import type { EngineClient } from './engine-client';
import { shimsOf, vmRssKb } from './procfs';
import { sleep } from './process';

export const BENCH_LABEL = 'tsswarm.bench.engine';

/**
 * busybox sh as PID 1 ignores SIGTERM unless it traps it: with this trap both daemons' stop ends
 * on SIGTERM (exit 0), never on the SIGKILL after the timeout.
 */
export const CONTAINER_CMD = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

/** What every bench container is created with: no network on either daemon, json-file logs (both defaults). */
export function containerConfig(image: string): Record<string, unknown> {
  return { Image: image, Cmd: CONTAINER_CMD, Labels: { [BENCH_LABEL]: '1' }, HostConfig: { NetworkMode: 'none' } };
}

/** Runs `n` tasks with at most `limit` at a time; results in order. */
async function pool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return out;
}

const labelFilter = (extra: Record<string, string[]> = {}) =>
  encodeURIComponent(JSON.stringify({ label: [BENCH_LABEL], ...extra }));

async function benchContainers(c: EngineClient, o: { all?: boolean; running?: boolean }): Promise<string[]> {
  const q = `all=${o.all ? 1 : 0}&filters=${labelFilter(o.running ? { status: ['running'] } : {})}`;
  return (await c.call<Array<{ Id: string }>>('GET', `/containers/json?${q}`)).map((x) => x.Id);
}

/** POST create + start for `n` containers (`limit` at a time), then until GET /containers/json lists all running. */
export async function createRunning(
  c: EngineClient,
  image: string,
  n: number,
  limit: number,
): Promise<{ ms: number; ids: string[] }> {
  const t0 = performance.now();
  const ids = await pool(n, limit, async () => {
    const { Id } = await c.call<{ Id: string }>('POST', '/containers/create', containerConfig(image));
    await c.call('POST', `/containers/${Id}/start`);
    return Id;
  });
  const want = new Set(ids);
  for (;;) {
    const running = await benchContainers(c, { running: true });
    if (running.filter((id) => want.has(id)).length === want.size) break;
    await sleep(10);
  }
  return { ms: performance.now() - t0, ids };
}

/**
 * POST /containers/{id}/stop?t=`t` then DELETE /containers/{id} for each (`limit` at a time),
 * then until GET /containers/json?all=1 lists none of them. `killed` counts stops that took the
 * whole timeout (the container did not end on SIGTERM).
 */
export async function stopRemoved(
  c: EngineClient,
  ids: string[],
  limit: number,
  t: number,
): Promise<{ ms: number; killed: number }> {
  let killed = 0;
  const t0 = performance.now();
  await pool(ids.length, limit, async (i) => {
    const s = performance.now();
    await c.call('POST', `/containers/${ids[i]}/stop?t=${t}`);
    if (t > 0 && performance.now() - s >= t * 1000) killed++;
    await c.call('DELETE', `/containers/${ids[i]}`);
  });
  const gone = new Set(ids);
  while ((await benchContainers(c, { all: true })).some((id) => gone.has(id))) await sleep(10);
  return { ms: performance.now() - t0, killed };
}

/** Removes the image (untimed), then times POST /images/create of it. */
export async function pull(c: EngineClient, repo: string, tag: string): Promise<number> {
  const r = await c.request('DELETE', `/images/${encodeURIComponent(`${repo}:${tag}`)}?force=1`);
  if (r.status >= 300 && r.status !== 404) throw new Error(`remove ${repo}:${tag}: ${r.status} ${r.body}`);
  const t0 = performance.now();
  await c.pull(repo, tag);
  return performance.now() - t0;
}

export interface RssSample {
  daemonKb: number;
  containerdKb: number;
  shimsKb: number;
  shims: number;
}

/** VmRSS of the daemon, of its containerd and the sum over its containerd's shims. */
export function rss(d: BenchDaemon): RssSample {
  const ctd = d.containerdPid();
  const shims = shimsOf(d.shimAddressPrefix);
  return {
    daemonKb: vmRssKb(d.pid) ?? 0,
    containerdKb: ctd ? (vmRssKb(ctd) ?? 0) : 0,
    shimsKb: shims.reduce((s, p) => s + (vmRssKb(p) ?? 0), 0),
    shims: shims.length,
  };
}

/** Force-removes every bench container left on a daemon (cleanup; errors are reported, not thrown). */
export async function removeBenchContainers(c: EngineClient): Promise<void> {
  try {
    for (const id of await benchContainers(c, { all: true }))
      await c
        .call('DELETE', `/containers/${id}?force=1`)
        .catch((e: Error) => process.stderr.write(`bench: ${e.message}\n`));
  } catch (e) {
    process.stderr.write(`bench: cannot list containers on ${c.socket}: ${(e as Error).message}\n`);
  }
}
