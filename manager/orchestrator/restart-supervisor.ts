/**
 * RestartSupervisor: replaces tasks that stopped while they were meant to run, per the task's
 * RestartPolicy, as swarmkit's restart supervisor. It is not a loop of its own: the
 * replicated and global orchestrators call it inside their reconcile transaction, and it
 * calls them back (onDue) when a delayed start falls due.
 *
 * A restart marks the old task DesiredState shutdown and, when the policy allows, creates the
 * replacement at once with DesiredState ready; after the restart delay (0 when the old node
 * is drained), and once the old task has stopped (unless it already has, never reached a
 * node, or its node is down), the replacement goes to running. Attempts are counted per slot
 * (per node for global services) within the policy's Window, in memory, for the service's
 * current spec (and job iteration).
 *
 * Job tasks (DesiredState complete) are handled alike: a completed one is never replaced,
 * condition any reads as on-failure, and a delayed replacement is started with DesiredState
 * complete.
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../src/api';
import type { WriteTx } from '../../src/store';
import { canonicalJson } from './canonical-json';
import { isTaskDirty } from './is-task-dirty';
import { isJob, jobIteration, runState } from './job-mode';
import { instanceKey, newTask } from './new-task';
import { resolveRestartPolicy } from './resolved-config';
import { isDesiredActive, isTerminal, stateBefore } from './task-state';

interface PendingStart {
  readonly serviceId: string;
  readonly oldTaskId: string | undefined;
  readonly dueMs: number;
  readonly waitStop: boolean;
}

interface Attempts {
  /** The TaskTemplate the attempts were made with: a new spec starts the count again. */
  spec: string;
  timesMs: number[];
}

export interface RestartSupervisorOptions {
  now: () => number;
  /** Asks the owner to reconcile `serviceId` in `ms` (a delayed start falls due). */
  onDue: (serviceId: string, ms: number) => void;
}

export class RestartSupervisor {
  private readonly pending = new Map<string, PendingStart>();
  private readonly attempts = new Map<string, Attempts>();

  constructor(private readonly opts: RestartSupervisorOptions) {}

  /**
   * Handles a task that must stop being counted as live (it ended, or its node is gone, down
   * or drained): DesiredState shutdown, and a replacement if the policy allows. Returns the
   * replacement, if any. `node` is the old task's node; `allowReplacement` false makes only
   * the shutdown (global tasks whose node no longer takes tasks).
   */
  restart(
    tx: WriteTx,
    service: ServiceObject,
    task: TaskObject,
    node: NodeObject | undefined,
    allowReplacement = true,
  ): TaskObject | undefined {
    const cur = tx.get('task', task.ID);
    if (!cur || !isDesiredActive(cur.DesiredState)) return undefined;
    const down = structuredClone(cur);
    down.DesiredState = 'shutdown';
    tx.update('task', down);
    if (!allowReplacement || !this.shouldRestart(cur, service)) return undefined;

    const now = this.opts.now();
    const global = cur.Slot === undefined;
    const fresh = newTask(service, global ? { nodeId: cur.NodeID } : { slot: cur.Slot }, now, 'ready');
    const created = tx.create('task', fresh);
    this.record(cur, service, now);
    const drained = node?.Spec.Availability === 'drain';
    const delayMs = drained ? 0 : resolveRestartPolicy(cur.Spec.RestartPolicy).delayMs;
    const waitStop = !(node?.Status.State === 'down' || isTerminal(cur.Status.State));
    this.delayStart(service.ID, fresh.ID, cur.ID, delayMs, waitStop);
    return created;
  }

  /**
   * Moves `taskId` (DesiredState ready) to running after `delayMs`, and with `waitStop`
   * only once `oldTaskId` has stopped. The move happens in the owner's next reconcile after
   * the time (startDue).
   */
  delayStart(
    serviceId: string,
    taskId: string,
    oldTaskId: string | undefined,
    delayMs: number,
    waitStop: boolean,
  ): void {
    this.pending.set(taskId, { serviceId, oldTaskId, dueMs: this.opts.now() + delayMs, waitStop });
    this.opts.onDue(serviceId, delayMs);
  }

  /** Whether the policy lets `task` (which has stopped) be replaced now. */
  shouldRestart(task: TaskObject, service: ServiceObject): boolean {
    const p = resolveRestartPolicy(task.Spec.RestartPolicy);
    if (p.condition === 'none') return false;
    // A job's completed task is what the job is for: swarmkit never runs it again.
    if ((p.condition === 'on-failure' || isJob(service)) && task.Status.State === 'complete') return false;
    if (p.maxAttempts === 0) return true;
    return this.attemptsWithin(task, service, p.windowMs) < p.maxAttempts;
  }

  /**
   * Whether a slot whose tasks all stopped stays as it is: the policy would not restart its
   * latest task (condition none, on-failure after success, attempts used up).
   */
  holdsSlot(latest: TaskObject, service: ServiceObject): boolean {
    // Still stopping, or stopped by a manager (scale down, drain, constraints): not an end of its own.
    if (!isTerminal(latest.Status.State) || latest.Status.State === 'shutdown' || latest.Status.State === 'remove')
      return false;
    // A slot left on an old spec is the update's to refill.
    if (isTaskDirty(service, latest)) return false;
    return !this.shouldRestart(latest, service);
  }

  /**
   * Sets DesiredState running on the service's ready tasks whose delay has passed (and whose
   * predecessor stopped). Ready tasks it does not know (made before a manager restart) are
   * adopted with the rest of their delay, counted from their Status.Timestamp.
   */
  startDue(tx: WriteTx, service: ServiceObject, tasks: readonly TaskObject[]): void {
    const now = this.opts.now();
    for (const t of tasks) {
      if (!stateBefore(t.DesiredState, 'running')) continue;
      let p = this.pending.get(t.ID);
      if (!p) p = this.adopt(t, tasks, now);
      if (now < p.dueMs) continue;
      if (p.waitStop && p.oldTaskId) {
        const old = tx.get('task', p.oldTaskId);
        if (old && stillStopping(tx, old)) continue;
      }
      const cur = tx.get('task', t.ID);
      this.pending.delete(t.ID);
      if (!cur || !stateBefore(cur.DesiredState, 'running')) continue;
      const up = structuredClone(cur);
      up.DesiredState = runState(service);
      tx.update('task', up);
    }
  }

  /** Forgets a service (deleted) or everything (stop). */
  forget(serviceId?: string): void {
    if (serviceId === undefined) {
      this.pending.clear();
      this.attempts.clear();
      return;
    }
    for (const [id, p] of this.pending) if (p.serviceId === serviceId) this.pending.delete(id);
    for (const k of this.attempts.keys()) if (k.startsWith(`${serviceId}/`)) this.attempts.delete(k);
  }

  private adopt(t: TaskObject, tasks: readonly TaskObject[], now: number): PendingStart {
    const made = Date.parse(t.Status.Timestamp ?? '') || now;
    const delay = resolveRestartPolicy(t.Spec.RestartPolicy).delayMs;
    const key = instanceKey(t);
    const old = tasks.find(
      (o) => o.ID !== t.ID && instanceKey(o) === key && !isDesiredActive(o.DesiredState) && !isTerminal(o.Status.State),
    );
    const p: PendingStart = {
      serviceId: t.ServiceID,
      oldTaskId: old?.ID,
      dueMs: made + delay,
      waitStop: old !== undefined,
    };
    this.pending.set(t.ID, p);
    if (p.dueMs > now) this.opts.onDue(t.ServiceID, p.dueMs - now);
    return p;
  }

  private record(task: TaskObject, service: ServiceObject, now: number): void {
    const key = instanceKey(task);
    const spec = attemptsSpec(service);
    let a = this.attempts.get(key);
    if (!a || a.spec !== spec) this.attempts.set(key, (a = { spec, timesMs: [] }));
    a.timesMs.push(now);
  }

  private attemptsWithin(task: TaskObject, service: ServiceObject, windowMs: number): number {
    const a = this.attempts.get(instanceKey(task));
    if (!a || a.spec !== attemptsSpec(service)) return 0;
    if (windowMs === 0) return a.timesMs.length;
    const since = this.opts.now() - windowMs;
    a.timesMs = a.timesMs.filter((x) => x >= since);
    return a.timesMs.length;
  }
}

/** What attempts are counted for: the TaskTemplate, and for jobs the iteration too. */
function attemptsSpec(service: ServiceObject): string {
  const spec = canonicalJson(service.Spec.TaskTemplate);
  return isJob(service) ? `${spec}#${jobIteration(service)}` : spec;
}

/**
 * Whether an old task is still to report that it stopped. A task never placed on a node has
 * nothing to stop, and one on a node that is down or gone has no agent to say so (a new leader
 * adopting a delayed start finds such tasks, which restart() already does not wait for).
 */
function stillStopping(tx: WriteTx, old: TaskObject): boolean {
  if (isTerminal(old.Status.State) || stateBefore(old.Status.State, 'assigned')) return false;
  const node = old.NodeID ? tx.get('node', old.NodeID) : undefined;
  return node !== undefined && node.Status.State !== 'down';
}
