/**
 * How nodes rank for one service (best first), swarmkit's nodeLess: a node where the service
 * failed MAX_FAILURES times in the window goes after nodes with fewer failures; then fewer
 * active tasks of the service; then fewer active tasks in all. Node ID breaks remaining ties so
 * that a decision is reproducible.
 */
import { MAX_FAILURES, type NodeInfo } from './node-info';

export type NodeCompare = (a: NodeInfo, b: NodeInfo) => number;

export function nodeOrder(serviceId: string, nowMs: number): NodeCompare {
  return (a, b) => {
    const fa = a.recentFailures(serviceId, nowMs);
    const fb = b.recentFailures(serviceId, nowMs);
    if ((fa >= MAX_FAILURES || fb >= MAX_FAILURES) && fa !== fb) return fa - fb;
    const sa = a.serviceTasks(serviceId);
    const sb = b.serviceTasks(serviceId);
    if (sa !== sb) return sa - sb;
    if (a.activeTasksCount !== b.activeTasksCount) return a.activeTasksCount - b.activeTasksCount;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}
