/** HostPortFilter: none of the task's host-mode published ports is taken on the node. */
import { countNodes, type Filter } from './filter';
import type { NodeInfo } from './node-info';
import type { TaskDemand } from './task-demand';

export class HostPortFilter implements Filter {
  private ports: readonly string[] = [];

  setTask(d: TaskDemand): boolean {
    this.ports = d.hostPorts;
    return this.ports.length > 0;
  }

  check(n: NodeInfo): boolean {
    if (n.usedHostPorts.size === 0) return true;
    for (const p of this.ports) if (n.usedHostPorts.has(p)) return false;
    return true;
  }

  explain(nodes: number): string {
    return `host-mode port already in use on ${countNodes(nodes)}`;
  }
}
