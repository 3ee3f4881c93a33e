import { TASK_STATES, type TaskState } from '../../../src/api';

/** The rank of a state in Docker's order; a task's state only ever moves to a higher rank. */
export function stateRank(s: TaskState): number {
  return TASK_STATES.indexOf(s);
}

/** complete, shutdown, failed, rejected and beyond: the task's container will not run again. */
export function isTerminal(s: TaskState): boolean {
  return stateRank(s) >= stateRank('complete');
}

/** True when the managers want the task stopped (DesiredState shutdown or beyond). */
export function wantsShutdown(desired: TaskState): boolean {
  return stateRank(desired) >= stateRank('shutdown');
}
