/**
 * A scheduling filter (swarmkit's Filter): setTask says whether it applies to a demand,
 * check whether a node passes, explain turns a count of refusing nodes into Docker's reason.
 */
import type { NodeInfo } from './node-info';
import type { TaskDemand } from './task-demand';

export interface Filter {
  /** Takes the demand to check nodes against; false when the filter has nothing to check for it. */
  setTask(d: TaskDemand): boolean;
  check(n: NodeInfo): boolean;
  /** Docker's reason for `nodes` nodes refusing, e.g. "insufficient resources on 3 nodes". */
  explain(nodes: number): string;
}

/** "<n> node(s) <what>" the way swarmkit words it. */
export function countNodes(nodes: number): string {
  return nodes === 1 ? '1 node' : `${nodes} nodes`;
}
