/**
 * npm run bench:scheduler: places 100k tasks on 1k and on 5k nodes, in process. Each task has
 * one constraint (node.labels.tier==web, true on 80% of nodes) and one preference (spread over
 * node.labels.zone, 10 zones). Prints, per cluster size, the decide phase alone (schedule() on
 * a NodeSet) and decide + apply into a MemoryStore (read the tasks, build the NodeSet, decide,
 * write the plan), as placements per second.
 *
 *   node dist/bench/scheduler/main.js [--tasks 100000] [--services 100] [--nodes 1000,5000]
 *        [--rounds 3] [--apply-rounds 1]
 *
 * Wall and CPU time are both printed: on a shared machine wall time says more about the neighbours.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { applyPlan, NodeSet, schedule } from '../../manager/scheduler';
import { MemoryStore } from '../../src/store';
import { makeNodes, makeTasks } from './cluster';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const TASKS = Number(arg('tasks', '100000'));
const SERVICES = Number(arg('services', '100'));
const NODES = arg('nodes', '1000,5000').split(',').map(Number);
const ROUNDS = Number(arg('rounds', '3'));
// One round by default: the apply phase of 100k tasks takes tens of seconds (see the README).
const APPLY_ROUNDS = Number(arg('apply-rounds', '1'));

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const cpuMs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
// Setup garbage (building 100k task objects) is collected before the clock starts, so that its
// collection is not billed to the scheduler.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const settle = () => gc();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (n: number, t: number) => Math.round(n / (t / 1000)).toLocaleString('en-US');

function decideOnly(nodes: number): { ms: number; cpu: number; placed: number } {
  const nodeObjs = makeNodes(nodes);
  const tasks = makeTasks(TASKS, SERVICES);
  const set = NodeSet.build(nodeObjs);
  settle();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const plan = schedule(tasks, set);
  return { ms: ms(t0), cpu: cpuMs(c0), placed: plan.assignments.length };
}

async function decideAndApply(nodes: number): Promise<{ ms: number; cpu: number; placed: number; decideMs: number }> {
  const store = new MemoryStore();
  const nodeObjs = makeNodes(nodes);
  const strip = <T extends object>(o: T) => {
    const {
      Version: _v,
      CreatedAt: _c,
      UpdatedAt: _u,
      ...rest
    } = o as T & { Version: unknown; CreatedAt: string; UpdatedAt: string };
    return rest;
  };
  for (let i = 0; i < nodeObjs.length; i += 1000)
    await store.update((tx) => nodeObjs.slice(i, i + 1000).forEach((n) => tx.create('node', strip(n))));
  const tasks = makeTasks(TASKS, SERVICES);
  for (let i = 0; i < tasks.length; i += 1000)
    await store.update((tx) => tasks.slice(i, i + 1000).forEach((t) => tx.create('task', strip(t))));
  settle();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const { ns, ts } = store.view((tx) => ({ ns: tx.find('node'), ts: tx.find('task') }));
  const plan = schedule(ts, NodeSet.build(ns, ts));
  const decideMs = ms(t0);
  const out = await applyPlan(store, plan);
  const total = ms(t0);
  const cpu = cpuMs(c0);
  const stored = store.view((tx) => tx.find('task', { where: (t) => t.Status.State === 'assigned' }).length);
  if (stored !== out.applied.length)
    throw new Error(`bench: ${stored} tasks assigned in the store, ${out.applied.length} applied`);
  return { ms: total, cpu, placed: out.applied.length, decideMs };
}

async function main(): Promise<void> {
  console.log(
    `scheduler: ${TASKS.toLocaleString('en-US')} tasks in ${SERVICES} services, constraint node.labels.tier==web (80% of nodes), ` +
      `spread over node.labels.zone (10 zones); decide: median of ${ROUNDS} rounds, decide+apply: ${APPLY_ROUNDS}`,
  );
  console.log('nodes  phase          placed   wall ms    cpu ms   placements/s (wall)   (cpu)');
  const row = (n: number, phase: string, placed: number, wall: number, cpu: number, extra = '') =>
    console.log(
      `${String(n).padEnd(6)} ${phase.padEnd(13)} ${String(placed).padStart(7)} ${wall.toFixed(0).padStart(9)} ${cpu.toFixed(0).padStart(9)}` +
        `   ${rate(placed, wall).padStart(19)} ${rate(placed, cpu).padStart(9)}${extra}`,
    );
  for (const n of NODES) {
    const d = Array.from({ length: ROUNDS }, () => decideOnly(n));
    row(n, 'decide', d[0]!.placed, median(d.map((x) => x.ms)), median(d.map((x) => x.cpu)));
    const a: Awaited<ReturnType<typeof decideAndApply>>[] = [];
    for (let r = 0; r < APPLY_ROUNDS; r++) a.push(await decideAndApply(n));
    if (a.length === 0) continue;
    const am = median(a.map((x) => x.ms));
    const adm = median(a.map((x) => x.decideMs));
    row(
      n,
      'decide+apply',
      a[0]!.placed,
      am,
      median(a.map((x) => x.cpu)),
      `   (read+decide ${adm.toFixed(0)} ms, apply ${(am - adm).toFixed(0)} ms)`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
