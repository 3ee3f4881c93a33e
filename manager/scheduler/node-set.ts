/**
 * NodeSet: every node's NodeInfo, by ID. Tasks are recorded against the node they are on;
 * tasks on a node the set does not know (yet) are ignored, as swarmkit does.
 */
import type { NodeObject, TaskObject } from '../../src/api';
import { NodeInfo, type TaskEntry } from './node-info';
import { hostPortKeys, taskEndpointPorts, type PortsOf } from './task-demand';
import { holdsPlace, isActive } from './task-states';

/** What `t` takes from its node. */
export function taskEntry(t: TaskObject, portsOf: PortsOf = taskEndpointPorts): TaskEntry {
  const r = t.Spec.Resources?.Reservations;
  return {
    serviceId: t.ServiceID,
    active: isActive(t),
    nanoCpus: r?.NanoCPUs ?? 0,
    memoryBytes: r?.MemoryBytes ?? 0,
    hostPorts: hostPortKeys(portsOf(t)),
  };
}

/** Whether `t` occupies its node: placed (assigned through running); a pending task with a node is only preassigned. */
export function occupiesNode(t: TaskObject): boolean {
  return !!t.NodeID && holdsPlace(t) && t.Status.State !== 'pending';
}

export class NodeSet {
  readonly nodes = new Map<string, NodeInfo>();

  /** A set of `nodes` with the tasks among `tasks` that occupy them. */
  static build(nodes: Iterable<NodeObject>, tasks: Iterable<TaskObject> = [], portsOf?: PortsOf): NodeSet {
    const set = new NodeSet();
    for (const n of nodes) set.upsertNode(n);
    for (const t of tasks) if (occupiesNode(t)) set.addTask(t.NodeID!, t.ID, taskEntry(t, portsOf));
    return set;
  }

  get size(): number {
    return this.nodes.size;
  }

  get(id: string): NodeInfo | undefined {
    return this.nodes.get(id);
  }

  /** Adds a node or replaces its object, keeping the tasks recorded on it. */
  upsertNode(n: NodeObject): NodeInfo {
    const cur = this.nodes.get(n.ID);
    if (cur) {
      cur.setNode(n);
      return cur;
    }
    const info = new NodeInfo(n);
    this.nodes.set(n.ID, info);
    return info;
  }

  removeNode(id: string): void {
    this.nodes.delete(id);
  }

  addTask(nodeId: string, taskId: string, e: TaskEntry): boolean {
    return this.nodes.get(nodeId)?.addTask(taskId, e) ?? false;
  }

  removeTask(nodeId: string, taskId: string): boolean {
    return this.nodes.get(nodeId)?.removeTask(taskId) ?? false;
  }
}
