/**
 * Ordering helpers over TASK_STATES: states only move forward, so "past running" is a
 * comparison, as in swarmkit.
 */
import { TASK_STATES, type TaskState } from '../../src/api';

const RANK = new Map<TaskState, number>(TASK_STATES.map((s, i) => [s, i]));

/** The position of `s` in the task lifecycle (unknown states sort first). */
export function stateRank(s: TaskState): number {
  return RANK.get(s) ?? -1;
}

/** a < b in the lifecycle. */
export function stateBefore(a: TaskState, b: TaskState): boolean {
  return stateRank(a) < stateRank(b);
}

/** The task will not run again: complete, shutdown, failed, rejected, remove, orphaned. */
export function isTerminal(s: TaskState): boolean {
  return stateRank(s) > stateRank('running');
}

/** A desired state that keeps the task alive (new .. running). */
export function isDesiredLive(s: TaskState): boolean {
  return stateRank(s) <= stateRank('running');
}

/** A desired state that keeps the task wanted: live, or complete (a job's task, run to its end). */
export function isDesiredActive(s: TaskState): boolean {
  return stateRank(s) <= stateRank('complete');
}
