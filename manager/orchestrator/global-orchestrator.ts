/**
 * GlobalOrchestrator: one task of each global service on every node that takes it (ready,
 * active, constraints met), as swarmkit's global orchestrator. Tasks get NodeID at once and
 * Status new; no slot. Nodes that join get a task; drained, down, removed or no longer
 * matching nodes have theirs shut down; paused nodes keep theirs but get no new one. Ended
 * tasks are restarted on their node (RestartSupervisor) while the node takes tasks, and the
 * per-node slots go to the UpdateSupervisor.
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../src/api';
import type { ReadTx, WriteTx } from '../../src/store';
import { newTask } from './new-task';
import { acceptsNewTasks, keepsTasks } from './node-eligibility';
import { ServiceOrchestrator, type OrchestratorOptions } from './service-orchestrator';
import { byTimestamp, type Slot } from './slot';
import { isDesiredLive, isTerminal } from './task-state';

export type GlobalOrchestratorOptions = OrchestratorOptions;

export class GlobalOrchestrator extends ServiceOrchestrator {
  constructor(opts: GlobalOrchestratorOptions) {
    super('global', opts);
  }

  protected override owns(service: ServiceObject): boolean {
    return service.Spec.Mode?.Global !== undefined;
  }

  protected override servicesForNode(tx: ReadTx, _node: NodeObject): Iterable<string> {
    return tx.find('service', { where: (s) => this.owns(s) }).map((s) => s.ID);
  }

  protected override reconcileService(tx: WriteTx, service: ServiceObject): void {
    const now = this.clock.now();
    const nodes = new Map(tx.find('node').map((n) => [n.ID, n]));
    for (const t of tx.find('task', { serviceId: service.ID })) {
      if (!isDesiredLive(t.DesiredState)) continue;
      const node = t.NodeID ? nodes.get(t.NodeID) : undefined;
      if (!keepsTasks(node, service)) this.restarts.restart(tx, service, t, node, false);
      else if (isTerminal(t.Status.State))
        this.restarts.restart(
          tx,
          service,
          t,
          node,
          node!.Status.State === 'ready' && node!.Spec.Availability === 'active',
        );
    }
    const tasks = tx.find('task', { serviceId: service.ID });
    this.restarts.startDue(tx, service, tasks);

    const byNode = new Map<string, TaskObject[]>();
    for (const t of tx.find('task', { serviceId: service.ID })) {
      if (!t.NodeID) continue;
      let l = byNode.get(t.NodeID);
      if (!l) byNode.set(t.NodeID, (l = []));
      l.push(t);
    }
    const slots: Slot[] = [];
    for (const node of [...nodes.values()].sort((a, b) => (a.ID < b.ID ? -1 : 1))) {
      const all = byNode.get(node.ID) ?? [];
      const alive = all.filter((t) => isDesiredLive(t.DesiredState));
      if (alive.length > 0) {
        slots.push({ key: node.ID, nodeId: node.ID, tasks: alive });
        continue;
      }
      if (!acceptsNewTasks(node, service)) continue;
      const latest = [...all].sort(byTimestamp).at(-1);
      if (latest && this.restarts.holdsSlot(latest, service)) continue;
      tx.create('task', newTask(service, { nodeId: node.ID }, now));
    }
    this.updates.reconcile(tx, service, slots);
  }
}
