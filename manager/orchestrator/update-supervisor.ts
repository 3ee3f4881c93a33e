/**
 * UpdateSupervisor: rolling updates and rollbacks, as swarmkit's updater, driven by the
 * orchestrator's reconcile instead of goroutines. Every pass the owner hands it a service
 * and its slots; it replaces dirty slots (tasks whose Spec is not the TaskTemplate), at most
 * `parallelism` at a time, each one freeing its place once its new task reaches running and
 * `delay` has passed. After the last slot it watches one more `monitor` period, then marks
 * the update completed.
 *
 * Failures: a task this update created that ends before running, or within `monitor` of
 * reaching it. When failures / dirty slots at the start > maxFailureRatio, FailureAction
 * decides: pause (UpdateStatus paused), rollback (Spec := PreviousSpec, rollback_started; a
 * failing rollback pauses as rollback_paused) or continue.
 *
 * All that matters survives a manager restart in the store: UpdateStatus says whether an
 * update (or rollback) runs, task specs say which slots remain; new tasks not yet running
 * when the supervisor starts are watched as this update's.
 */
import type { ServiceObject, TaskObject, UpdateStatus } from '../../src/api';
import type { WriteTx } from '../../src/store';
import { canonicalJson } from './canonical-json';
import { isTaskDirty } from './is-task-dirty';
import { newTask } from './new-task';
import { updateConfigOf, type ResolvedUpdateConfig } from './resolved-config';
import type { RestartSupervisor } from './restart-supervisor';
import type { Slot } from './slot';
import { isDesiredLive, isTerminal, stateBefore } from './task-state';

interface Worker {
  /** The task whose start frees this place. */
  taskId: string;
  startFirst: boolean;
  /** Set once the task reached running (or ended): the place is free at this time. */
  freeAtMs?: number;
}

interface ServiceUpdate {
  readonly spec: string;
  readonly config: ResolvedUpdateConfig;
  readonly dirtyAtStart: number;
  /** Tasks this update created -> when they reached running (undefined: not yet). */
  readonly created: Map<string, number | undefined>;
  readonly failed: Set<string>;
  readonly workers: Map<string, Worker>;
  monitorUntilMs?: number;
}

export interface UpdateSupervisorOptions {
  now: () => number;
  restarts: RestartSupervisor;
  /** Asks the owner to reconcile `serviceId` in `ms`. */
  onDue: (serviceId: string, ms: number) => void;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class UpdateSupervisor {
  private readonly updates = new Map<string, ServiceUpdate>();

  constructor(private readonly opts: UpdateSupervisorOptions) {}

  /** Whether an update of `serviceId` is being driven. */
  inProgress(serviceId: string): boolean {
    return this.updates.has(serviceId);
  }

  forget(serviceId?: string): void {
    if (serviceId === undefined) this.updates.clear();
    else this.updates.delete(serviceId);
  }

  /** One step of the service's update; `slots` are the slots the service keeps. */
  reconcile(tx: WriteTx, service: ServiceObject, slots: readonly Slot[]): void {
    const state = service.UpdateStatus?.State;
    if (state === 'paused' || state === 'rollback_paused') {
      this.updates.delete(service.ID);
      return;
    }
    const now = this.opts.now();
    const spec = canonicalJson(service.Spec);
    let u = this.updates.get(service.ID);
    if (!u || u.spec !== spec) {
      const dirty = slots.filter((s) => this.isSlotDirty(service, s));
      if (dirty.length === 0) {
        this.updates.delete(service.ID);
        if (state === 'updating' || state === 'rollback_started') this.complete(tx, service.ID, now);
        return;
      }
      if (state !== 'updating' && state !== 'rollback_started')
        this.setStatus(tx, service.ID, {
          State: 'updating',
          StartedAt: iso(now),
          Message: 'update in progress',
        });
      u = {
        spec,
        config: updateConfigOf(service),
        dirtyAtStart: dirty.length,
        created: new Map(),
        failed: new Set(),
        workers: new Map(),
      };
      this.updates.set(service.ID, u);
      this.adoptInFlight(u, service, slots);
    }

    if (this.checkFailures(tx, u, service, now)) return;
    this.advanceWorkers(tx, u, service, slots, now);

    const byKey = new Set(u.workers.keys());
    const todo = slots.filter((s) => !byKey.has(s.key) && this.isSlotDirty(service, s));
    for (const s of todo) {
      if (u.workers.size >= u.config.parallelism) break;
      this.updateSlot(tx, u, service, s);
    }
    if (u.workers.size > 0 || todo.length > 0) {
      u.monitorUntilMs = undefined;
      return;
    }
    // Every slot replaced: watch one more monitor period for failures, then done.
    if (u.monitorUntilMs === undefined) u.monitorUntilMs = now + u.config.monitorMs;
    if (now >= u.monitorUntilMs) {
      this.updates.delete(service.ID);
      this.complete(tx, service.ID, now);
    } else this.opts.onDue(service.ID, u.monitorUntilMs - now);
  }

  private isSlotDirty(service: ServiceObject, s: Slot): boolean {
    return s.tasks.length > 1 || (s.tasks.length === 1 && isTaskDirty(service, s.tasks[0]));
  }

  /** After a restart: clean tasks not yet running are this update's, their slots in flight. */
  private adoptInFlight(u: ServiceUpdate, service: ServiceObject, slots: readonly Slot[]): void {
    for (const s of slots) {
      const fresh = s.tasks.find((t) => !isTaskDirty(service, t) && stateBefore(t.Status.State, 'running'));
      if (!fresh) continue;
      u.created.set(fresh.ID, undefined);
      u.workers.set(s.key, { taskId: fresh.ID, startFirst: s.tasks.length > 1 });
    }
  }

  /** Counts new failures; true when the failure action stopped this update. */
  private checkFailures(tx: WriteTx, u: ServiceUpdate, service: ServiceObject, now: number): boolean {
    for (const [id, runningAt] of u.created) {
      const t = tx.get('task', id);
      if (!t) continue;
      if (runningAt === undefined && t.Status.State === 'running') u.created.set(id, now);
      if (!isTerminal(t.Status.State) || u.failed.has(id)) continue;
      const since = u.created.get(id);
      if (since !== undefined && now - since > u.config.monitorMs) continue;
      u.failed.add(id);
      if (u.failed.size / u.dirtyAtStart <= u.config.maxFailureRatio) continue;
      const rollingBack = service.UpdateStatus?.State === 'rollback_started';
      if (u.config.failureAction === 'continue') continue;
      this.updates.delete(service.ID);
      if (u.config.failureAction === 'pause' || rollingBack) {
        const what = rollingBack ? 'rollback' : 'update';
        this.setStatus(tx, service.ID, {
          State: rollingBack ? 'rollback_paused' : 'paused',
          Message: `${what} paused due to failure or early termination of task ${id}`,
        });
      } else this.rollback(tx, service.ID, `update rolled back due to failure or early termination of task ${id}`);
      return true;
    }
    return false;
  }

  private advanceWorkers(
    tx: WriteTx,
    u: ServiceUpdate,
    service: ServiceObject,
    slots: readonly Slot[],
    now: number,
  ): void {
    for (const [key, w] of u.workers) {
      if (w.freeAtMs === undefined) {
        const t = tx.get('task', w.taskId);
        if (t && stateBefore(t.Status.State, 'running')) continue;
        if (t && w.startFirst && t.Status.State === 'running') {
          const slot = slots.find((s) => s.key === key);
          for (const old of slot?.tasks ?? []) if (old.ID !== t.ID) this.shutdown(tx, old);
        }
        w.freeAtMs = now + u.config.delayMs;
      }
      if (now >= w.freeAtMs) u.workers.delete(key);
      else this.opts.onDue(service.ID, w.freeAtMs - now);
    }
  }

  private updateSlot(tx: WriteTx, u: ServiceUpdate, service: ServiceObject, s: Slot): void {
    const clean = s.tasks.filter((t) => !isTaskDirty(service, t));
    const keep =
      clean.find((t) => t.DesiredState === 'running') ?? clean.find((t) => stateBefore(t.DesiredState, 'running'));
    if (keep) {
      // The slot already has a task with the new spec: the others go.
      let old: TaskObject | undefined;
      for (const t of s.tasks) if (t.ID !== keep.ID && this.shutdown(tx, t)) old = t;
      if (keep.DesiredState !== 'running') this.opts.restarts.delayStart(service.ID, keep.ID, old?.ID, 0, true);
      u.workers.set(s.key, { taskId: keep.ID, startFirst: false });
      return;
    }
    const startFirst = u.config.order === 'start-first';
    const place = s.slot !== undefined ? { slot: s.slot } : { nodeId: s.nodeId };
    const fresh = newTask(service, place, this.opts.now(), startFirst ? 'running' : 'ready');
    tx.create('task', fresh);
    u.created.set(fresh.ID, undefined);
    u.workers.set(s.key, { taskId: fresh.ID, startFirst });
    if (startFirst) return;
    let old: TaskObject | undefined;
    for (const t of s.tasks) if (this.shutdown(tx, t)) old = t;
    this.opts.restarts.delayStart(service.ID, fresh.ID, old?.ID, 0, old !== undefined);
  }

  /** DesiredState shutdown on a live task; false if it was not live. */
  private shutdown(tx: WriteTx, t: TaskObject): boolean {
    const cur = tx.get('task', t.ID);
    if (!cur || !isDesiredLive(cur.DesiredState)) return false;
    const next = structuredClone(cur);
    next.DesiredState = 'shutdown';
    tx.update('task', next);
    return true;
  }

  private setStatus(tx: WriteTx, serviceId: string, patch: UpdateStatus): void {
    const cur = tx.get('service', serviceId);
    if (!cur) return;
    const next = structuredClone(cur);
    next.UpdateStatus = { ...(cur.UpdateStatus ?? {}), ...patch };
    if (patch.State === 'updating') delete next.UpdateStatus.CompletedAt;
    tx.update('service', next);
  }

  private complete(tx: WriteTx, serviceId: string, now: number): void {
    const rolledBack = tx.get('service', serviceId)?.UpdateStatus?.State === 'rollback_started';
    this.setStatus(tx, serviceId, {
      State: rolledBack ? 'rollback_completed' : 'completed',
      Message: rolledBack ? 'rollback completed' : 'update completed',
      CompletedAt: iso(now),
    });
  }

  private rollback(tx: WriteTx, serviceId: string, message: string): void {
    const cur = tx.get('service', serviceId);
    if (!cur) return;
    const next = structuredClone(cur);
    if (!cur.PreviousSpec) {
      // Nothing to go back to: stop where we are, as a pause says.
      next.UpdateStatus = {
        ...(cur.UpdateStatus ?? {}),
        State: 'paused',
        Message: message.replace('rolled back', 'paused'),
      };
      tx.update('service', next);
      return;
    }
    next.Spec = structuredClone(cur.PreviousSpec);
    delete next.PreviousSpec;
    next.UpdateStatus = { ...(cur.UpdateStatus ?? {}), State: 'rollback_started', Message: message };
    tx.update('service', next);
  }
}
