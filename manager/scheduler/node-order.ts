/**
 * How nodes rank for one service (best first), swarmkit's nodeLess: a node where the service
 * failed MAX_FAILURES times in the window goes after nodes with fewer failures; then fewer
 * active tasks of the service; then fewer active tasks in all. Node ID breaks remaining ties so
 * that a decision is reproducible.
 *
 * Comparisons read NodeInfo's rank fields, which rankFor() loads for the service at the start
 * of a group and the placer keeps current as it places (the rule is the same: "failure tier"
 * is the failure count when it reaches MAX_FAILURES, else 0, which orders exactly as nodeLess).
 */
import { MAX_FAILURES, type NodeInfo } from './node-info';

export type NodeCompare = (a: NodeInfo, b: NodeInfo) => number;

/** Loads `n`'s rank fields for `serviceId` at `nowMs`. */
export function rankFor(n: NodeInfo, serviceId: string, nowMs: number): void {
  n.rankServiceTasks = n.serviceTasks(serviceId);
  const f = n.recentFailures(serviceId, nowMs);
  n.rankFailureTier = f >= MAX_FAILURES ? f : 0;
}

/** The order on loaded rank fields. */
export const compareRanked: NodeCompare = (a, b) => {
  if (a.rankFailureTier !== b.rankFailureTier) return a.rankFailureTier - b.rankFailureTier;
  if (a.rankServiceTasks !== b.rankServiceTasks) return a.rankServiceTasks - b.rankServiceTasks;
  if (a.activeTasksCount !== b.activeTasksCount) return a.activeTasksCount - b.activeTasksCount;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/** A self-contained order for `serviceId` (reads the counts on each comparison). */
export function nodeOrder(serviceId: string, nowMs: number): NodeCompare {
  return (a, b) => {
    rankFor(a, serviceId, nowMs);
    rankFor(b, serviceId, nowMs);
    return compareRanked(a, b);
  };
}
