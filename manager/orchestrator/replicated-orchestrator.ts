/**
 * ReplicatedOrchestrator: keeps Mode.Replicated.Replicas slots (1..N) of each replicated
 * service, each with one live task, as swarmkit's replicated orchestrator.
 *
 * Per pass and service: tasks that ended while desired running, or whose node is gone, down
 * or drained, are restarted (RestartSupervisor); ready tasks whose delay passed go to
 * running; missing slots get new tasks (lowest free numbers); extra slots are shut down,
 * running ones kept first, then the slots on the nodes holding the fewest of the service's
 * tasks, then the lowest numbers; the kept slots go to the UpdateSupervisor. The scheduler
 * gives the new tasks a node.
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../src/api';
import type { ReadTx, WriteTx } from '../../src/store';
import { newTask } from './new-task';
import { isInvalidNode } from './node-eligibility';
import { ServiceOrchestrator, type OrchestratorOptions } from './service-orchestrator';
import { byTimestamp, type Slot } from './slot';
import { isDesiredLive, isTerminal } from './task-state';

export type ReplicatedOrchestratorOptions = OrchestratorOptions;

export class ReplicatedOrchestrator extends ServiceOrchestrator {
  constructor(opts: ReplicatedOrchestratorOptions) {
    super('replicated', opts);
  }

  protected override owns(service: ServiceObject): boolean {
    return service.Spec.Mode?.Replicated !== undefined || service.Spec.Mode === undefined;
  }

  protected override servicesForNode(tx: ReadTx, node: NodeObject): Iterable<string> {
    return new Set(tx.find('task', { nodeId: node.ID }).map((t) => t.ServiceID));
  }

  protected override reconcileService(tx: WriteTx, service: ServiceObject): void {
    const now = this.clock.now();
    for (const t of tx.find('task', { serviceId: service.ID })) {
      if (!isDesiredLive(t.DesiredState)) continue;
      const node = t.NodeID ? tx.get('node', t.NodeID) : undefined;
      if (isTerminal(t.Status.State) || (t.NodeID && isInvalidNode(node))) this.restarts.restart(tx, service, t, node);
    }
    const tasks = tx.find('task', { serviceId: service.ID });
    this.restarts.startDue(tx, service, tasks);

    const { live, held } = this.slotsOf(service, tx.find('task', { serviceId: service.ID }));
    const want = service.Spec.Mode?.Replicated?.Replicas ?? 1;
    const have = live.length + held.length;
    let kept = live;
    if (have < want) {
      const taken = new Set([...live, ...held].map((s) => s.slot!));
      let next = 0;
      for (let i = have; i < want; i++) {
        while (taken.has(++next));
        tx.create('task', newTask(service, { slot: next }, now));
      }
    } else if (have > want) {
      const order = this.scaleDownOrder(live);
      const keepLive = Math.max(0, want - held.length);
      kept = order.slice(0, keepLive);
      for (const s of order.slice(keepLive)) for (const t of s.tasks) this.shutdown(tx, t);
    }
    this.updates.reconcile(tx, service, kept);
  }

  /**
   * Live slots (some task desired running) and held ones (every task stopped and the
   * restart policy keeps it so: condition none, on-failure after success, attempts used up).
   */
  private slotsOf(service: ServiceObject, tasks: readonly TaskObject[]): { live: Slot[]; held: Slot[] } {
    const bySlot = new Map<number, TaskObject[]>();
    for (const t of tasks) {
      if (!t.Slot) continue;
      let l = bySlot.get(t.Slot);
      if (!l) bySlot.set(t.Slot, (l = []));
      l.push(t);
    }
    const live: Slot[] = [];
    const held: Slot[] = [];
    for (const [slot, all] of [...bySlot].sort((a, b) => a[0] - b[0])) {
      const alive = all.filter((t) => isDesiredLive(t.DesiredState));
      if (alive.length > 0) live.push({ key: String(slot), slot, tasks: alive });
      else {
        const latest = [...all].sort(byTimestamp).at(-1)!;
        if (this.restarts.holdsSlot(latest, service)) held.push({ key: String(slot), slot, tasks: [] });
      }
    }
    return { live, held };
  }

  /** swarmkit's order of the slots to keep: running first, then the nth copy on its node, then slot number. */
  private scaleDownOrder(slots: readonly Slot[]): Slot[] {
    const running = (s: Slot) => s.tasks.some((t) => t.Status.State === 'running');
    const sorted = [...slots].sort((a, b) => Number(running(b)) - Number(running(a)) || a.slot! - b.slot!);
    const perNode = new Map<string, number>();
    const ranked = sorted.map((s) => {
      const node = s.tasks.length === 1 ? s.tasks[0].NodeID : undefined;
      if (!node) return { s, rank: Infinity };
      const n = (perNode.get(node) ?? 0) + 1;
      perNode.set(node, n);
      return { s, rank: n };
    });
    // Array.prototype.sort is stable: equal ranks keep the running-then-number order.
    return ranked.sort((a, b) => a.rank - b.rank).map((x) => x.s);
  }

  private shutdown(tx: WriteTx, t: TaskObject): void {
    const cur = tx.get('task', t.ID);
    if (!cur || !isDesiredLive(cur.DesiredState)) return;
    const next = structuredClone(cur);
    next.DesiredState = 'shutdown';
    tx.update('task', next);
  }
}
