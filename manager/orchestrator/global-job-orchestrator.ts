/**
 * GlobalJobOrchestrator: runs each Mode.GlobalJob service once to completion on every node
 * that takes it (ready, active, constraints met) and that existed when the iteration started
 * (created no later than JobStatus.LastExecution, else the service's CreatedAt), as swarmkit's
 * global job reconciler: a node that joins later gets no task until the next iteration.
 *
 * Tasks get NodeID at once, DesiredState complete and the service's JobIteration; tasks of
 * other iterations that still run are shut down. A failed task is restarted on its node per
 * RestartPolicy (condition any reads as on-failure); a task on a node that is gone, down or
 * drained, or no longer meets the constraints, is shut down with no replacement.
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../src/api';
import type { ReadTx, WriteTx } from '../../src/store';
import { inIteration, shutDownOtherIterations } from './job-mode';
import { newTask } from './new-task';
import { acceptsNewTasks, keepsTasks } from './node-eligibility';
import { ServiceOrchestrator, type OrchestratorOptions } from './service-orchestrator';
import { byTimestamp } from './slot';
import { isDesiredActive, isTerminal } from './task-state';

export type GlobalJobOrchestratorOptions = OrchestratorOptions;

export class GlobalJobOrchestrator extends ServiceOrchestrator {
  constructor(opts: GlobalJobOrchestratorOptions) {
    super('global-job', opts);
  }

  protected override owns(service: ServiceObject): boolean {
    return service.Spec.Mode?.GlobalJob !== undefined;
  }

  protected override servicesForNode(tx: ReadTx, _node: NodeObject): Iterable<string> {
    return tx.find('service', { where: (s) => this.owns(s) }).map((s) => s.ID);
  }

  protected override reconcileService(tx: WriteTx, service: ServiceObject): void {
    const now = this.clock.now();
    const nodes = new Map(tx.find('node').map((n) => [n.ID, n]));
    shutDownOtherIterations(tx, service);
    for (const t of tx.find('task', { serviceId: service.ID })) {
      if (!inIteration(t, service) || !isDesiredActive(t.DesiredState) || t.Status.State === 'complete') continue;
      const node = t.NodeID ? nodes.get(t.NodeID) : undefined;
      if (!keepsTasks(node, service)) this.restarts.restart(tx, service, t, node, false);
      else if (isTerminal(t.Status.State)) this.restarts.restart(tx, service, t, node, acceptsNewTasks(node!, service));
    }
    this.restarts.startDue(tx, service, tx.find('task', { serviceId: service.ID }));

    const byNode = new Map<string, TaskObject[]>();
    for (const t of tx.find('task', { serviceId: service.ID })) {
      if (!t.NodeID || !inIteration(t, service)) continue;
      let l = byNode.get(t.NodeID);
      if (!l) byNode.set(t.NodeID, (l = []));
      l.push(t);
    }
    const startedMs = Date.parse(service.JobStatus?.LastExecution ?? service.CreatedAt ?? '') || now;
    for (const node of [...nodes.values()].sort((a, b) => (a.ID < b.ID ? -1 : 1))) {
      if (!acceptsNewTasks(node, service)) continue;
      if ((Date.parse(node.CreatedAt ?? '') || 0) > startedMs) continue;
      const all = byNode.get(node.ID) ?? [];
      if (all.some((t) => t.Status.State === 'complete' || isDesiredActive(t.DesiredState))) continue;
      const latest = [...all].sort(byTimestamp).at(-1);
      if (latest && this.restarts.holdsSlot(latest, service)) continue;
      tx.create('task', newTask(service, { nodeId: node.ID }, now));
    }
  }
}
