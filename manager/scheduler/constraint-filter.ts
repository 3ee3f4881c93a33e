/** ConstraintFilter: the node satisfies every Placement.Constraints expression. */
import { nodeMatches, type Constraint } from './constraint';
import { countNodes, type Filter } from './filter';
import type { NodeInfo } from './node-info';
import type { TaskDemand } from './task-demand';

export class ConstraintFilter implements Filter {
  private constraints: readonly Constraint[] = [];

  setTask(d: TaskDemand): boolean {
    this.constraints = d.constraints ?? [];
    return this.constraints.length > 0;
  }

  check(n: NodeInfo): boolean {
    return nodeMatches(this.constraints, n.node);
  }

  explain(nodes: number): string {
    return `scheduling constraints not satisfied on ${countNodes(nodes)}`;
  }
}
