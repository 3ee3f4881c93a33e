/**
 * ReplicatedJobOrchestrator: runs each Mode.ReplicatedJob service until TotalCompletions of its
 * tasks have completed, at most MaxConcurrent at a time, as swarmkit's replicated job
 * reconciler. Only the service's current JobIteration counts: tasks of earlier iterations
 * that still run are shut down and their completions are not counted.
 *
 * Each task takes its own slot (0..TotalCompletions-1, numbered from 0 as swarmkit's, which the
 * docker CLI's job progress counts on), so when the job is done every slot holds one completed
 * task. Per pass and service: tasks that failed, or whose node is gone, down or
 * drained, are restarted in their slot (RestartSupervisor: condition any reads as on-failure,
 * Delay, MaxAttempts); a slot whose attempts are used up is held, neither refilled nor counted
 * done; then free slots get new tasks (DesiredState complete) while fewer than MaxConcurrent
 * are under way. There is no rolling update: a new spec is a new iteration.
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../src/api';
import type { ReadTx, WriteTx } from '../../src/store';
import { inIteration, shutDownOtherIterations } from './job-mode';
import { newTask } from './new-task';
import { isInvalidNode } from './node-eligibility';
import { resolveReplicatedJob } from './resolved-config';
import { ServiceOrchestrator, type OrchestratorOptions } from './service-orchestrator';
import { byTimestamp } from './slot';
import { isDesiredActive, isTerminal } from './task-state';

export type ReplicatedJobOrchestratorOptions = OrchestratorOptions;

export class ReplicatedJobOrchestrator extends ServiceOrchestrator {
  constructor(opts: ReplicatedJobOrchestratorOptions) {
    super('replicated-job', opts);
  }

  protected override owns(service: ServiceObject): boolean {
    return service.Spec.Mode?.ReplicatedJob !== undefined;
  }

  protected override servicesForNode(tx: ReadTx, node: NodeObject): Iterable<string> {
    return new Set(tx.find('task', { nodeId: node.ID }).map((t) => t.ServiceID));
  }

  protected override reconcileService(tx: WriteTx, service: ServiceObject): void {
    const now = this.clock.now();
    shutDownOtherIterations(tx, service);
    for (const t of tx.find('task', { serviceId: service.ID })) {
      if (!inIteration(t, service) || !isDesiredActive(t.DesiredState) || t.Status.State === 'complete') continue;
      const node = t.NodeID ? tx.get('node', t.NodeID) : undefined;
      if (isTerminal(t.Status.State) || (t.NodeID && isInvalidNode(node))) this.restarts.restart(tx, service, t, node);
    }
    this.restarts.startDue(tx, service, tx.find('task', { serviceId: service.ID }));

    const { maxConcurrent, totalCompletions } = resolveReplicatedJob(service.Spec.Mode!.ReplicatedJob!);
    const bySlot = new Map<number, TaskObject[]>();
    for (const t of tx.find('task', { serviceId: service.ID })) {
      if (t.Slot === undefined || !inIteration(t, service)) continue;
      let l = bySlot.get(t.Slot);
      if (!l) bySlot.set(t.Slot, (l = []));
      l.push(t);
    }
    let underway = 0;
    const taken = new Set<number>();
    for (const [slot, tasks] of bySlot) {
      const active = tasks.filter((t) => isDesiredActive(t.DesiredState) && t.Status.State !== 'complete');
      underway += active.length;
      if (active.length > 0 || tasks.some((t) => t.Status.State === 'complete')) taken.add(slot);
      else if (this.restarts.holdsSlot([...tasks].sort(byTimestamp).at(-1)!, service)) taken.add(slot);
    }
    for (let slot = 0; slot < totalCompletions && underway < maxConcurrent; slot++) {
      if (taken.has(slot)) continue;
      tx.create('task', newTask(service, { slot }, now));
      underway++;
    }
  }
}
