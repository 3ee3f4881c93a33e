/**
 * TaskReaper: deletes tasks nobody needs to see any more, as swarmkit's task reaper, in one
 * batch per pass:
 * - tasks with DesiredState remove (their service was deleted) once stopped, or never given
 *   to a node (State before assigned);
 * - tasks whose service is gone, once stopped;
 * - replicated tasks in slots above Replicas (scaled away), once stopped;
 * - old tasks of a slot (of a node, for global services) beyond the cluster's
 *   Orchestration.TaskHistoryRetentionLimit (default 5; negative keeps all), oldest first.
 *   The limit counts every task of the slot, the live one included, as swarmkit does; with
 *   RestartPolicy.MaxAttempts > 0 the slot keeps MaxAttempts + 1. Only tasks that are stopped
 *   and not desired running (or never reached a node) are deleted.
 * A job's completed tasks of its current iteration are never deleted: they are what says the
 * job is done (its orchestrator would run them again).
 */
import type { ServiceObject, TaskObject } from '../../src/api';
import type { ObjectEvent, ReadTx, WatchFilter, WriteTx } from '../../src/store';
import { inIteration, isJob } from './job-mode';
import { instanceKey } from './new-task';
import { ReconcileLoop, type ReconcileLoopOptions } from './reconcile-loop';
import { resolveRestartPolicy, taskHistoryLimit } from './resolved-config';
import { byTimestamp } from './slot';
import { isDesiredActive, isTerminal, stateBefore } from './task-state';

export type TaskReaperOptions = ReconcileLoopOptions;

export class TaskReaper extends ReconcileLoop {
  private dirtyServices = new Set<string>();
  private all = true;

  constructor(opts: TaskReaperOptions) {
    super('taskreaper', opts);
  }

  protected override watchFilter(): WatchFilter {
    return { kinds: ['task', 'service', 'cluster'] };
  }

  protected override init(_tx: ReadTx): void {
    this.all = true;
  }

  protected override onEvent(ev: ObjectEvent): void {
    if (ev.kind === 'task') this.dirtyServices.add(ev.object.ServiceID);
    else if (ev.kind === 'service') this.dirtyServices.add(ev.object.ID);
    else if (ev.kind === 'cluster') this.all = true;
  }

  protected override async reconcile(): Promise<void> {
    const all = this.all;
    const ids = this.dirtyServices;
    this.all = false;
    this.dirtyServices = new Set();
    try {
      await this.store.update((tx) => {
        const limit = taskHistoryLimit(tx.find('cluster')[0]);
        const services = all ? new Set(tx.find('task').map((t) => t.ServiceID)) : ids;
        for (const id of services) this.reapService(tx, id, limit);
      });
    } catch (err) {
      this.all ||= all;
      for (const id of ids) this.dirtyServices.add(id);
      throw err;
    }
  }

  private reapService(tx: WriteTx, serviceId: string, clusterLimit: number): void {
    const service = tx.get('service', serviceId);
    const tasks = tx.find('task', { serviceId });
    const gone = new Set<string>();
    const del = (t: TaskObject) => {
      if (gone.has(t.ID)) return;
      gone.add(t.ID);
      tx.delete('task', t.ID);
    };
    const stopped = (t: TaskObject) =>
      !isDesiredActive(t.DesiredState) && (isTerminal(t.Status.State) || stateBefore(t.Status.State, 'assigned'));
    for (const t of tasks) {
      if (t.DesiredState === 'remove' && stopped(t)) del(t);
      else if (!service && isTerminal(t.Status.State)) del(t);
    }
    if (!service) return;
    const job = isJob(service);
    const replicas = service.Spec.Mode?.Global || job ? undefined : (service.Spec.Mode?.Replicated?.Replicas ?? 1);
    const keeps = (t: TaskObject) => job && t.Status.State === 'complete' && inIteration(t, service);
    const bySlot = new Map<string, TaskObject[]>();
    for (const t of tasks) {
      if (gone.has(t.ID)) continue;
      if (replicas !== undefined && t.Slot && t.Slot > replicas && stopped(t)) {
        del(t);
        continue;
      }
      const k = instanceKey(t);
      let l = bySlot.get(k);
      if (!l) bySlot.set(k, (l = []));
      l.push(t);
    }
    const limit = this.limitFor(service, clusterLimit);
    if (limit < 0) return;
    for (const slot of bySlot.values()) {
      let extra = slot.length - limit;
      if (extra <= 0) continue;
      for (const t of slot.sort(byTimestamp)) {
        if (extra <= 0) break;
        if (!stopped(t) || keeps(t)) continue;
        del(t);
        extra--;
      }
    }
  }

  private limitFor(service: ServiceObject, clusterLimit: number): number {
    if (clusterLimit < 0) return clusterLimit;
    const max = resolveRestartPolicy(service.Spec.TaskTemplate.RestartPolicy).maxAttempts;
    return max > 0 ? Math.max(clusterLimit, max + 1) : clusterLimit;
  }
}
