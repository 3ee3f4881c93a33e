/**
 * Scheduler: the leader's reconcile loop that puts pending tasks on nodes. It reads the store
 * once (viewAndWatch on tasks, nodes and services), keeps its NodeSet and queues up to date
 * from the change feed, and after a commit (debounced: `debounceMs` after the last commit, at
 * most `maxLatencyMs` after the first) runs one pass: schedule() decides a Plan over every
 * queued task, applyPlan() writes it. Tasks that fit nowhere stay queued (pending, with Docker's
 * "no suitable node (...)" in Status.Err) and are tried again on the next pass, which any task
 * or node change brings about. start() and stop() may be called any number of times.
 */
import type { PortConfig, ServiceObject, TaskObject } from '../../src/api';
import { SequenceConflictError, type MemoryStore, type StoreEvent, type Watcher } from '../../src/store';
import type { Logger } from '../../src/util';
import { applyPlan } from './apply-plan';
import { NodeSet, taskEntry } from './node-set';
import { schedule } from './schedule';
import type { PortsOf } from './task-demand';
import { holdsPlace, isActive, isFailure, isPreassigned, stateRank } from './task-states';

export interface SchedulerOptions {
  store: MemoryStore;
  /**
   * Quiet time after a commit before a pass, ms. Default 10: swarmkit waits 50, but the
   * orchestrators write a service's tasks in one commit, and commits that bring the pass
   * nothing (status reports) do not postpone it, so a shorter gap batches as well and takes
   * 40 ms off every task's way to its node.
   */
  debounceMs?: number;
  /** Longest a pass waits behind a stream of commits, ms. Default 1000 (swarmkit's maxLatency). */
  maxLatencyMs?: number;
  /** Wait before retrying a pass whose write failed (no leader, say), ms. Default 1000. */
  retryMs?: number;
  /** Decisions per store.update. Default 1000. */
  batchSize?: number;
  /** Clock, ms since the epoch: Status.Timestamp and the recent-failures window. Default Date.now. */
  now?: () => number;
  logger?: Logger;
}

/** What the last pass did, for tests, logs and metrics. */
export interface PassStats {
  readonly considered: number;
  readonly assigned: number;
  readonly pending: number;
  readonly notApplied: number;
}

const WAKE = Symbol('wake');
const PENDING_RANK = stateRank('pending');

export class Scheduler {
  private nodes = new NodeSet();
  private readonly unassigned = new Map<string, TaskObject>();
  private readonly preassigned = new Map<string, TaskObject>();
  /** Tasks that were ever preassigned: their failures say nothing about the node's fitness. */
  private readonly wasPreassigned = new Set<string>();
  private readonly servicePorts = new Map<string, readonly PortConfig[]>();
  private watcher: Watcher | undefined;
  private loopDone: Promise<void> | undefined;
  private running = false;
  private tickRequired = false;
  /** The events of the commit being read gave the pass something new to do. */
  private changed = false;
  private due = false;
  private ticking = false;
  private parked = false;
  private timer: NodeJS.Timeout | undefined;
  private debounceStart = 0;
  private wakeUp: (() => void) | undefined;
  private readonly now: () => number;
  private readonly debounceMs: number;
  private readonly maxLatencyMs: number;
  private readonly retryMs: number;
  /** Passes run since start. */
  passes = 0;
  lastPass: PassStats | undefined;

  constructor(private readonly o: SchedulerOptions) {
    this.now = o.now ?? Date.now;
    this.debounceMs = o.debounceMs ?? 10;
    this.maxLatencyMs = o.maxLatencyMs ?? 1000;
    this.retryMs = o.retryMs ?? 1000;
  }

  /** Starts watching and schedules what is pending now. No-op when running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops the loop (a pass in flight finishes its write first). No-op when stopped. */
  async stop(): Promise<void> {
    if (!this.running) return this.loopDone;
    this.running = false;
    this.clearTimer();
    this.watcher?.close();
    this.wakeUp?.();
    await this.loopDone;
  }

  /** Resolves once the scheduler has consumed every event so far and has no pass due or running. */
  async idle(): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (!this.running || this.isIdle()) return;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  private isIdle(): boolean {
    return this.parked && !this.due && !this.ticking && !this.timer && (this.watcher?.pending ?? 0) === 0;
  }

  private portsOf: PortsOf = (t) =>
    (t as { Endpoint?: { Ports?: PortConfig[] } }).Endpoint?.Ports ?? this.servicePorts.get(t.ServiceID);

  private async loop(): Promise<void> {
    while (this.running) {
      this.resync();
      try {
        await this.consume(this.watcher!);
        break; // stopped, or the store was closed: nothing more will come
      } catch (err) {
        // An overflowed or reset watch: start over from a fresh view, as swarmkit's Run does.
        this.o.logger?.warn('scheduler: watch ended, resyncing', { err });
      }
    }
    this.running = false;
    this.clearTimer();
  }

  private resync(): void {
    this.watcher?.close();
    this.unassigned.clear();
    this.preassigned.clear();
    this.wasPreassigned.clear();
    this.servicePorts.clear();
    const { result, watcher } = this.o.store.viewAndWatch(
      (tx) => ({ nodes: tx.find('node'), tasks: tx.find('task'), services: tx.find('service') }),
      { kinds: ['task', 'node', 'service'] },
    );
    this.watcher = watcher;
    for (const s of result.services) this.setService(s);
    this.nodes = NodeSet.build(result.nodes, result.tasks, this.portsOf);
    for (const t of result.tasks) this.queue(t);
    this.tickRequired = true;
    this.due = true;
  }

  private async consume(w: Watcher): Promise<void> {
    let next: Promise<IteratorResult<StoreEvent>> | undefined;
    while (this.running) {
      if (this.due) {
        this.due = false;
        await this.pass();
        continue;
      }
      next ??= w.next();
      this.parked = true;
      const r = await Promise.race([next, new Promise<typeof WAKE>((res) => (this.wakeUp = () => res(WAKE)))]);
      this.parked = false;
      this.wakeUp = undefined;
      if (r === WAKE) continue;
      next = undefined;
      if (r.done) return;
      this.handle(r.value);
    }
  }

  private handle(ev: StoreEvent): void {
    switch (ev.kind) {
      case 'commit':
        return this.onCommit();
      case 'task':
        return ev.action === 'delete' ? this.taskDeleted(ev.object) : this.taskChanged(ev.object, ev.oldObject);
      case 'node':
        if (ev.action === 'delete') this.nodes.removeNode(ev.object.ID);
        else {
          this.nodes.upsertNode(ev.object);
          this.needPass();
        }
        return;
      case 'service':
        if (ev.action === 'delete') this.servicePorts.delete(ev.object.ID);
        else this.setService(ev.object);
        return;
      default:
        return; // the watch asks for nothing else
    }
  }

  private setService(s: ServiceObject): void {
    const ports = s.Endpoint?.Ports ?? s.Spec.EndpointSpec?.Ports;
    if (ports?.length) this.servicePorts.set(s.ID, ports);
    else this.servicePorts.delete(s.ID);
  }

  /** Puts a task read from the store in the queue it belongs to (or none). */
  private queue(t: TaskObject): void {
    if (!holdsPlace(t) || !isActive(t)) return;
    if (!t.NodeID) this.unassigned.set(t.ID, t);
    else if (t.Status.State === 'pending') {
      this.preassigned.set(t.ID, t);
      this.wasPreassigned.add(t.ID);
    }
  }

  private taskChanged(t: TaskObject, old: TaskObject | undefined): void {
    if (stateRank(t.Status.State) < PENDING_RANK) return;
    if (old?.NodeID && old.NodeID !== t.NodeID) this.nodes.removeTask(old.NodeID, t.ID);
    if (!holdsPlace(t)) {
      // Done, failed, shut down: it gives back its place. A failure counts against the node.
      this.unassigned.delete(t.ID);
      this.preassigned.delete(t.ID);
      if (t.NodeID) {
        if (old && old.Status.State !== t.Status.State && isFailure(t.Status.State) && !this.wasPreassigned.has(t.ID))
          this.nodes.get(t.NodeID)?.taskFailed(t.ServiceID, this.now());
        this.nodes.removeTask(t.NodeID, t.ID);
      }
      this.wasPreassigned.delete(t.ID);
      this.needPass();
      return;
    }
    if (!t.NodeID) {
      this.preassigned.delete(t.ID);
      if (isActive(t)) this.unassigned.set(t.ID, t);
      else this.unassigned.delete(t.ID);
      this.needPass();
      return;
    }
    this.unassigned.delete(t.ID);
    if (isPreassigned(t)) {
      this.nodes.removeTask(t.NodeID, t.ID);
      this.preassigned.set(t.ID, t);
      this.changed = true;
      this.wasPreassigned.add(t.ID);
      return;
    }
    this.preassigned.delete(t.ID);
    this.nodes.addTask(t.NodeID, t.ID, taskEntry(t, this.portsOf));
  }

  private taskDeleted(t: TaskObject): void {
    this.unassigned.delete(t.ID);
    this.preassigned.delete(t.ID);
    this.wasPreassigned.delete(t.ID);
    // A task leaving frees resources: pending tasks may fit now.
    if (t.NodeID && this.nodes.removeTask(t.NodeID, t.ID)) this.needPass();
  }

  /** Pending tasks may fit now, or there are new ones: a pass is due after the debounce. */
  private needPass(): void {
    this.tickRequired = true;
    this.changed = true;
  }

  private onCommit(): void {
    // A commit that gave the pass nothing new to do (task statuses moving on, say) neither
    // starts nor postpones one: during a rolling update, with status reports coming every few
    // ms, the new tasks would otherwise wait up to maxLatencyMs.
    const changed = this.changed;
    this.changed = false;
    if (!this.tickRequired && this.preassigned.size === 0) return;
    const now = this.now();
    if (this.timer) {
      if (!changed) return;
      if (now - this.debounceStart > this.maxLatencyMs) {
        this.clearTimer();
        this.due = true;
        return;
      }
      this.timer.refresh();
      return;
    }
    this.debounceStart = now;
    this.arm(this.debounceMs);
  }

  private arm(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.wakeUp?.();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass: decide over every queued task, then write the plan. */
  private async pass(): Promise<void> {
    if (!this.tickRequired && this.preassigned.size === 0) return;
    this.tickRequired = false;
    const tasks = [...this.preassigned.values(), ...this.unassigned.values()];
    if (tasks.length === 0) return;
    this.ticking = true;
    try {
      const plan = schedule(tasks, this.nodes, { nowMs: this.now(), portsOf: this.portsOf });
      const out = await applyPlan(this.o.store, plan, { now: this.now, batchSize: this.o.batchSize });
      for (const a of out.applied) {
        this.unassigned.delete(a.taskId);
        this.preassigned.delete(a.taskId);
      }
      // Not written: give the place back; the task stays queued for the next pass.
      for (const a of out.notApplied) this.nodes.removeTask(a.nodeId, a.taskId);
      if (out.notApplied.length > 0) this.tickRequired = true;
      if (out.error instanceof SequenceConflictError) {
        // Another writer (the update supervisor moving the same tasks on) committed first: the
        // tasks' new versions are on their way in the change feed; try again after them.
        if (this.running) this.arm(this.debounceMs);
      } else if (out.error !== undefined) {
        this.o.logger?.warn('scheduler: writing the plan failed; will retry', { err: out.error });
        if (this.running) this.arm(this.retryMs);
      }
      this.passes++;
      this.lastPass = {
        considered: tasks.length,
        assigned: out.applied.length,
        pending: plan.pending.length,
        notApplied: out.notApplied.length,
      };
    } finally {
      this.ticking = false;
    }
  }
}
