/**
 * ResourceFilter: the task's reservations (NanoCPUs, MemoryBytes) fit in what the node has
 * left after the reservations of the tasks already on it. Off when the task reserves nothing.
 */
import { countNodes, type Filter } from './filter';
import type { NodeInfo } from './node-info';
import type { TaskDemand } from './task-demand';

export class ResourceFilter implements Filter {
  private cpu = 0;
  private mem = 0;

  setTask(d: TaskDemand): boolean {
    this.cpu = d.nanoCpus;
    this.mem = d.memoryBytes;
    return this.cpu > 0 || this.mem > 0;
  }

  check(n: NodeInfo): boolean {
    return this.cpu <= n.availableNanoCpus && this.mem <= n.availableMemoryBytes;
  }

  explain(nodes: number): string {
    return `insufficient resources on ${countNodes(nodes)}`;
  }
}
