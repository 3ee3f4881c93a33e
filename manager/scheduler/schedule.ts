/**
 * schedule(): the decide half of a scheduling pass. Pure: no store, no clock, no I/O. Tasks
 * with a node already (preassigned, e.g. global services) are checked against that node
 * first; the rest are grouped by demand (service and placement-relevant spec) and each group
 * is spread over its feasible nodes at once (swarmkit's scheduleTaskGroup). Placements are
 * recorded in `nodes` as they are made, so later groups see them; a caller that does not
 * apply an assignment takes it back with nodes.removeTask.
 */
import type { TaskObject } from '../../src/api';
import { buildTree, type DecisionTree } from './decision-tree';
import type { NodeInfo, TaskEntry } from './node-info';
import { compareRanked, rankFor, type NodeCompare } from './node-order';
import type { NodeSet } from './node-set';
import { Pipeline } from './pipeline';
import { ASSIGNED_MESSAGE, PREASSIGNED_MESSAGE, type Plan } from './plan';
import { demandOf, hostPortKeys, sameDemand, taskEndpointPorts, type PortsOf, type TaskDemand } from './task-demand';

export interface ScheduleOptions {
  /** The time recent failures are counted back from, ms. Default 0 (only matters with failures recorded). */
  nowMs?: number;
  /** Where a task's published ports are read. Default: the task's own `Endpoint.Ports` (swarmkit's field). */
  portsOf?: PortsOf;
  /** The filters to use; default a new Pipeline of Docker's filters. */
  pipeline?: Pipeline;
}

interface Group {
  readonly demand: TaskDemand;
  readonly tasks: TaskObject[];
}

/** Decides where `tasks` go on `nodes` (which it updates; see above). */
export function schedule(tasks: Iterable<TaskObject>, nodes: NodeSet, opts: ScheduleOptions = {}): Plan {
  const nowMs = opts.nowMs ?? 0;
  const portsOf = opts.portsOf ?? taskEndpointPorts;
  const pipeline = opts.pipeline ?? new Pipeline();
  const plan: Plan = { assignments: [], pending: [] };
  const groups: Group[] = [];
  // A service's groups: nearly always one, so finding a task's group is one comparison.
  const byService = new Map<string, Group[]>();
  const preassigned: TaskObject[] = [];
  for (const t of tasks) {
    if (t.NodeID) {
      preassigned.push(t);
      continue;
    }
    const ports = hostPortKeys(portsOf(t));
    let mine = byService.get(t.ServiceID);
    if (!mine) byService.set(t.ServiceID, (mine = []));
    const g = mine.find((x) => sameDemand(x.demand, t, ports));
    if (g) g.tasks.push(t);
    else {
      const ng = { demand: demandOf(t, ports), tasks: [t] };
      mine.push(ng);
      groups.push(ng);
    }
  }
  for (const t of preassigned) confirmPreassigned(t, nodes, pipeline, portsOf, plan);
  for (const g of groups) new GroupPlacer(g, nodes, pipeline, nowMs, plan).run();
  return plan;
}

function entryOf(d: TaskDemand): TaskEntry {
  return {
    serviceId: d.serviceId,
    active: true,
    nanoCpus: d.nanoCpus,
    memoryBytes: d.memoryBytes,
    hostPorts: d.hostPorts,
  };
}

function confirmPreassigned(t: TaskObject, nodes: NodeSet, pipeline: Pipeline, portsOf: PortsOf, plan: Plan): void {
  const n = nodes.get(t.NodeID!);
  if (!n) return; // the node is gone; its tasks are the orchestrator's to replace
  const d = demandOf(t, hostPortKeys(portsOf(t)));
  pipeline.setTask(d);
  if (!pipeline.process(n)) {
    plan.pending.push({ taskId: t.ID, taskVersion: t.Version.Index, err: pipeline.explain() });
    return;
  }
  n.addTask(t.ID, entryOf(d));
  plan.assignments.push({
    taskId: t.ID,
    taskVersion: t.Version.Index,
    serviceId: t.ServiceID,
    nodeId: n.id,
    nodeVersion: n.node.Version.Index,
    message: PREASSIGNED_MESSAGE,
  });
}

/** Places one group: the tree walk and node rotation of swarmkit's scheduler, in its order. */
class GroupPlacer {
  private next = 0;
  private readonly cmp: NodeCompare = compareRanked;
  private readonly entry: TaskEntry;
  private readonly meets: (n: NodeInfo) => boolean;

  constructor(
    private readonly g: Group,
    private readonly nodes: NodeSet,
    private readonly pipeline: Pipeline,
    private readonly nowMs: number,
    private readonly plan: Plan,
  ) {
    this.entry = entryOf(g.demand);
    this.meets = (n) => pipeline.process(n);
  }

  run(): void {
    const { demand, tasks } = this.g;
    this.pipeline.setTask(demand);
    const tree = buildTree(
      this.nodes.nodes.values(),
      demand.serviceId,
      demand.placement?.Preferences,
      tasks.length,
      this.meets,
      this.cmp,
      (n) => rankFor(n, demand.serviceId, this.nowMs),
    );
    this.onSubtree(tasks.length, tree);
    if (this.next === tasks.length) return;
    const why = this.pipeline.explain();
    const err = why ? `no suitable node (${why})` : 'no suitable node';
    for (let i = this.next; i < tasks.length; i++)
      this.plan.pending.push({ taskId: tasks[i]!.ID, taskVersion: tasks[i]!.Version.Index, err });
  }

  /** Places up to n tasks under `tree`, evening out the branches level by level; returns how many. */
  private onSubtree(n: number, tree: DecisionTree): number {
    if (!tree.next) {
      const nodes = tree.orderedNodes(this.meets, this.cmp);
      return nodes.length === 0 ? 0 : this.onNodes(n, nodes);
    }
    const branches = tree.branches();
    const noRoom = new Set<DecisionTree>();
    let placed = 0;
    let usable = tree.tasks;
    let converging = true;
    while (placed !== n && noRoom.size !== branches.length && converging) {
      const open = branches.length - noRoom.size;
      const per = Math.floor((usable + n - placed) / open);
      let remainder = (usable + n - placed) % open;
      converging = false;
      for (const sub of branches) {
        if (noRoom.has(sub)) continue;
        if (sub.tasks < per || (sub.tasks === per && remainder > 0)) {
          converging = true;
          let want = per - sub.tasks;
          if (remainder > 0) want++;
          const got = this.onSubtree(want, sub);
          if (got < want) {
            noRoom.add(sub);
            usable -= sub.tasks;
          } else if (remainder > 0) remainder--;
          placed += got;
        }
      }
    }
    return placed;
  }

  /**
   * Places up to n tasks on `nodes` (best first): fill the first nodes until they rank no
   * better than the next, then go round, skipping nodes that no longer pass the filters.
   */
  private onNodes(n: number, nodes: NodeInfo[]): number {
    const { tasks } = this.g;
    const count = nodes.length;
    const failed = new Uint8Array(count);
    let placed = 0;
    let it = 0;
    while (this.next < tasks.length) {
      const node = nodes[it % count]!;
      this.place(tasks[this.next++]!, node);
      if (++placed === n) return placed;
      if (it + 1 < count) {
        if (this.cmp(nodes[it + 1]!, node) < 0) it++;
      } else it++;
      const start = it;
      while (failed[it % count] || !this.pipeline.process(nodes[it % count]!)) {
        failed[it % count] = 1;
        if (++it - start === count) return placed;
      }
    }
    return placed;
  }

  private place(t: TaskObject, node: NodeInfo): void {
    if (node.addTask(t.ID, this.entry)) node.rankServiceTasks++;
    this.plan.assignments.push({
      taskId: t.ID,
      taskVersion: t.Version.Index,
      serviceId: t.ServiceID,
      nodeId: node.id,
      nodeVersion: node.node.Version.Index,
      message: ASSIGNED_MESSAGE,
    });
  }
}
