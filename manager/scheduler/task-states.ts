/**
 * Where a task stands for the scheduler: Docker's task states are ordered, and the scheduler
 * only looks at whether a state is before, at or after a few landmarks.
 */
import { TASK_STATES, type TaskObject, type TaskState } from '../../src/api';

const RANK = new Map<TaskState, number>(TASK_STATES.map((s, i) => [s, i]));

/** The state's position in Docker's order (new = 0); unknown states rank after all. */
export function stateRank(s: TaskState): number {
  return RANK.get(s) ?? TASK_STATES.length;
}

const PENDING = stateRank('pending');
const RUNNING = stateRank('running');
const COMPLETE = stateRank('complete');

/** Pending through running: the task holds (or waits for) a place on a node. */
export function holdsPlace(t: TaskObject): boolean {
  const r = stateRank(t.Status.State);
  return r >= PENDING && r <= RUNNING;
}

/** Desired to run (or complete, for jobs): counts toward spread, as swarmkit's ActiveTasksCount. */
export function isActive(t: TaskObject): boolean {
  return stateRank(t.DesiredState) <= COMPLETE;
}

/**
 * Waiting for the scheduler: pending (or later, up to running) with no node, and still wanted.
 * A task scaled away before it was placed (desired shutdown) is left alone, as swarmkit does.
 */
export function isUnassigned(t: TaskObject): boolean {
  return !t.NodeID && holdsPlace(t) && isActive(t);
}

/** Pending with a node chosen by someone else (a global service): the scheduler only confirms it fits. */
export function isPreassigned(t: TaskObject): boolean {
  return !!t.NodeID && t.Status.State === 'pending' && isActive(t);
}

/** Failed or rejected: the transitions swarmkit counts as a failure of the service on that node. */
export function isFailure(s: TaskState): boolean {
  return s === 'failed' || s === 'rejected';
}
