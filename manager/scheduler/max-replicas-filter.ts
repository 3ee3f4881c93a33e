/** MaxReplicasFilter: the node runs fewer active tasks of the service than Placement.MaxReplicas. */
import type { Filter } from './filter';
import type { NodeInfo } from './node-info';
import type { TaskDemand } from './task-demand';

export class MaxReplicasFilter implements Filter {
  private serviceId = '';
  private max = 0;

  setTask(d: TaskDemand): boolean {
    this.serviceId = d.serviceId;
    this.max = d.placement?.MaxReplicas ?? 0;
    return this.max > 0;
  }

  check(n: NodeInfo): boolean {
    return n.serviceTasks(this.serviceId) < this.max;
  }

  explain(_nodes: number): string {
    // Docker's wording, count-free and ungrammatical as it is.
    return 'max replicas per node limit exceed';
  }
}
