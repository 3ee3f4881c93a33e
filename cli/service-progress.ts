/**
 * The progress display of `service create/update/scale/rollback` without -d, as the docker
 * CLI draws it: "overall progress: 2 out of 3 tasks", one bar per slot (per node for global
 * services), then "verify: Service converged" once every slot has run for the monitor period.
 * It polls as docker does (service, up-to-date tasks, nodes every 200 ms). A job service shows
 * its completions instead (job-progress.ts) and ends with "job complete", with no verify wait.
 */
import { TASK_STATES, type NodeObject, type ServiceObject, type TaskObject, type TaskState } from '../src/api';
import type { ApiClient } from './api-client';
import { jobProgressView } from './job-progress';

const BAR_STATES: readonly TaskState[] = TASK_STATES.slice(0, TASK_STATES.indexOf('running') + 1);
const BAR_WIDTH = 50;

export interface ProgressView {
  lines: string[];
  running: number;
  total: number;
}

function bar(state: TaskState): string {
  const i = BAR_STATES.indexOf(state);
  if (i < 0) return '';
  const n = Math.round((BAR_WIDTH * i) / (BAR_STATES.length - 1));
  return `[${'='.repeat(Math.max(0, n - 1))}>${' '.repeat(BAR_WIDTH - n)}]`;
}

/** The lines for one poll: the newest live task per slot (or per ready node for global services). */
export function progressView(svc: ServiceObject, tasks: TaskObject[], nodes: NodeObject[]): ProgressView {
  const live = tasks.filter((t) => t.DesiredState === 'running' || t.DesiredState === 'ready');
  const global = !!svc.Spec.Mode?.Global;
  const slots: string[] = [];
  if (global) {
    for (const n of nodes) if (n.Status.State !== 'down' && live.some((t) => t.NodeID === n.ID)) slots.push(n.ID);
  } else {
    for (let i = 1; i <= (svc.Spec.Mode?.Replicated?.Replicas ?? 0); i++) slots.push(String(i));
  }
  const lines: string[] = [];
  let running = 0;
  for (const slot of slots) {
    const mine = live
      .filter((t) => (global ? t.NodeID === slot : String(t.Slot) === slot))
      .sort((a, b) => (b.Version?.Index ?? 0) - (a.Version?.Index ?? 0));
    const t = mine[0];
    const state = t?.Status.State ?? 'new';
    if (state === 'running') running++;
    const label = global ? slot.slice(0, 12) : `${slot}/${slots.length}`;
    lines.push(`${label}: ${t ? `${state.padEnd(9)} ${bar(state)}` : ''}`.trimEnd());
  }
  const head = `overall progress: ${running} out of ${slots.length} tasks`;
  return { lines: [head, ...lines], running, total: slots.length };
}

export interface WaitOptions {
  quiet?: boolean;
  out?: NodeJS.WriteStream;
  intervalMs?: number;
}

/** Polls until the service converged (or its update paused, which throws). */
export async function waitForService(c: ApiClient, id: string, o: WaitOptions = {}): Promise<void> {
  const out = o.out ?? process.stdout;
  const interval = o.intervalMs ?? 200;
  const tty = !!out.isTTY && !o.quiet;
  let drawn = 0;
  let lastPlain = '';
  let convergedSince = 0;
  const draw = (lines: string[]) => {
    if (o.quiet) return;
    if (tty) {
      if (drawn) out.write(`\x1b[${drawn}A`);
      for (const l of lines) out.write(`\x1b[2K${l}\n`);
      drawn = lines.length;
    } else if (lines.join('\n') !== lastPlain) {
      lastPlain = lines.join('\n');
      out.write(lastPlain + '\n');
    }
  };
  for (;;) {
    const svc = await c.json<ServiceObject>('GET', `/services/${id}`, { query: { insertDefaults: 'false' } });
    const filters = JSON.stringify({ service: { [svc.ID]: true }, '_up-to-date': { true: true } });
    const tasks = await c.json<TaskObject[]>('GET', '/tasks', { query: { filters } });
    const nodes = await c.json<NodeObject[]>('GET', '/nodes');
    const us = svc.UpdateStatus;
    if (us?.State === 'paused' || us?.State === 'rollback_paused')
      throw new Error(`${us.State === 'paused' ? 'update' : 'rollback'} paused: ${us.Message ?? ''}`);
    if (svc.JobStatus) {
      const job = jobProgressView(svc, tasks);
      draw(job.lines);
      if (job.done) {
        if (!o.quiet) out.write('job complete\n');
        return;
      }
      await new Promise((r) => setTimeout(r, interval));
      continue;
    }
    const view = progressView(svc, tasks, nodes);
    const rolling = us?.State === 'rollback_started';
    const monitorMs = Math.min(5000, (svc.Spec.UpdateConfig?.Monitor ?? 5e9) / 1e6);
    const done = view.running === view.total && us?.State !== 'updating' && !rolling;
    if (done) convergedSince ||= Date.now();
    else convergedSince = 0;
    const wait = convergedSince ? Math.ceil((monitorMs - (Date.now() - convergedSince)) / 1000) : 0;
    const verify = !done
      ? []
      : wait > 0
        ? [`verify: Waiting ${wait} seconds to verify that tasks are stable...`]
        : ['verify: Service converged'];
    const lines = [...(rolling ? ['rollback: manually requested rollback'] : []), ...view.lines, ...verify];
    draw(lines);
    if (done && wait <= 0) return;
    await new Promise((r) => setTimeout(r, interval));
  }
}
