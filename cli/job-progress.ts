/**
 * The progress display of a job service (replicated-job, global-job), as the docker CLI draws
 * it: "job progress: 1 out of 3 complete" with a bar, for a replicated job "active tasks: 2 out
 * of 2 tasks" (the fewer of MaxConcurrent and the completions still wanted), then one line per
 * slot (per node for a global job) while there are at most 20. Only tasks of the service's
 * current JobIteration count; of several in one slot the one least far along is shown. The job
 * is done once every slot (node) has completed.
 */
import { TASK_STATES, type ServiceObject, type TaskObject, type TaskState } from '../src/api';

/** The states a job's task moves through, up to done. */
const STATES: readonly TaskState[] = TASK_STATES.slice(0, TASK_STATES.indexOf('complete') + 1);
const MAX_BARS = 20;
const BAR_WIDTH = 50;
const LONGEST_STATE = Math.max(...STATES.map((s) => s.length));

export interface JobProgressView {
  lines: string[];
  done: boolean;
}

function bar(current: number, total: number): string {
  if (total <= 0) return '';
  const n = Math.min(BAR_WIDTH, Math.round((BAR_WIDTH * current) / total));
  return `[${'='.repeat(Math.max(0, n - 1))}${n > 0 ? '>' : ''}${' '.repeat(BAR_WIDTH - n)}]`;
}

const rank = (s: TaskState) => {
  const i = STATES.indexOf(s);
  return i < 0 ? STATES.length : i;
};

function taskLine(label: string, t: TaskObject): string {
  if (t.Status.Err) return `${label}: ${t.Status.Err.replace(/\n/g, ' ').slice(0, 75)}`;
  return `${label}: ${t.Status.State.padEnd(LONGEST_STATE)} ${bar(rank(t.Status.State) + 1, STATES.length)}`;
}

/** Of the tasks sharing `key`, the one least far along (docker's pick). */
function leastAlong(tasks: TaskObject[], key: (t: TaskObject) => string): Map<string, TaskObject> {
  const out = new Map<string, TaskObject>();
  for (const t of tasks) {
    const k = key(t);
    const cur = out.get(k);
    if (!cur || rank(t.Status.State) < rank(cur.Status.State)) out.set(k, t);
  }
  return out;
}

/** The lines for one poll of a job service and its tasks. */
export function jobProgressView(svc: ServiceObject, tasks: TaskObject[]): JobProgressView {
  const iteration = svc.JobStatus?.JobIteration.Index ?? 0;
  const mine = tasks.filter((t) => t.JobIteration?.Index === iteration);
  const rj = svc.Spec.Mode?.ReplicatedJob;
  if (rj) {
    const total = rj.TotalCompletions ?? 1;
    const concurrent = rj.MaxConcurrent ?? 1;
    const bySlot = leastAlong(mine, (t) => String(t.Slot ?? 0));
    let active = 0;
    let complete = 0;
    const lines: string[] = [];
    // Job slots are numbered from 0; the lines from 1, as docker's.
    for (let slot = 0; slot < total; slot++) {
      const t = bySlot.get(String(slot));
      if (t && rank(t.Status.State) < rank('complete')) active++;
      if (t?.Status.State === 'complete') complete++;
      const label = `${slot + 1}/${total}`;
      if (total <= MAX_BARS) lines.push(t ? taskLine(label, t) : `${label}:`);
    }
    const digits = String(total).length;
    const activeDigits = String(concurrent).length;
    const wanted = Math.min(concurrent, total - complete);
    return {
      lines: [
        `job progress: ${String(complete).padStart(digits)} out of ${total} complete ${bar(complete, total)}`,
        `active tasks: ${String(active).padStart(activeDigits)} out of ${String(wanted).padStart(activeDigits)} tasks`,
        ...lines,
      ],
      done: complete === total,
    };
  }
  const byNode = leastAlong(
    mine.filter((t) => t.NodeID),
    (t) => t.NodeID!,
  );
  if (byNode.size === 0) return { lines: ['job progress: waiting for tasks'], done: false };
  const total = byNode.size;
  const nodes = [...byNode.keys()].sort();
  const complete = nodes.filter((n) => byNode.get(n)!.Status.State === 'complete').length;
  return {
    lines: [
      `job progress: ${String(complete).padStart(String(total).length)} out of ${total} complete ${bar(complete, total)}`,
      ...(total <= MAX_BARS ? nodes.map((n) => taskLine(n, byNode.get(n)!)) : []),
    ],
    done: complete === total,
  };
}
