import type { PortConfig, TaskState, TaskStatus } from '../../../src/api';
import { isTerminal, stateRank, wantsShutdown } from './task-state-order';

/** What a TaskController has seen of its task's container, the input of step(). */
export interface ObservedTask {
  /** The time to stamp on a new status (RFC 3339). */
  now: string;
  /** The task's container, when one exists. */
  container?: ObservedContainer;
  /** Why prepare failed (image not found, bad spec, a missing secret): the task is rejected. */
  prepareError?: string;
  /** Why start failed: the task has failed. */
  startError?: string;
  /** Set once the controller has shut the container down for a desired shutdown. */
  shutDown?: boolean;
  /** The host-mode ports the running container publishes, for Status.PortStatus. */
  ports?: PortConfig[];
}

export interface ObservedContainer {
  ID: string;
  Running: boolean;
  Pid: number;
  ExitCode: number;
  /** The container's process has been started at least once. */
  Started: boolean;
}

/** Err of a task whose container was removed behind the agent's back. */
export const GONE = 'task: the container is gone';

/** What a task needs for step(): its reported status and what the managers want of it. */
export interface SteppableTask {
  Status: TaskStatus;
  DesiredState: TaskState;
}

/**
 * The task state machine (swarmkit's agent/exec.Do without the I/O): given the task's current
 * status and what its controller observed, the next status, at most one state further.
 * Returns the current status object itself when nothing changes, so callers compare by
 * identity. States only move forward; terminal states (complete and beyond) never change.
 *
 *   assigned -> accepted -> preparing -> ready -> starting -> running -> complete | failed
 *   preparing --prepare error--> rejected; any live state --DesiredState shutdown--> shutdown
 */
export function step(task: SteppableTask, observed: ObservedTask): TaskStatus {
  const cur = task.Status;
  if (isTerminal(cur.State)) return cur;
  const c = observed.container;
  const to = (State: TaskState, Message: string, Err?: string): TaskStatus => ({
    Timestamp: observed.now,
    State,
    Message,
    ...(Err ? { Err } : {}),
    ...(c ? { ContainerStatus: { ContainerID: c.ID, PID: c.Running ? c.Pid : 0, ExitCode: c.ExitCode } } : {}),
    ...(observed.ports?.length
      ? { PortStatus: { Ports: observed.ports } }
      : cur.PortStatus
        ? { PortStatus: cur.PortStatus }
        : {}),
  });

  if (wantsShutdown(task.DesiredState)) {
    return observed.shutDown || !c?.Running ? to('shutdown', 'shutdown') : cur;
  }
  const rank = stateRank(cur.State);
  if (observed.prepareError && rank <= stateRank('preparing')) return to('rejected', 'rejected', observed.prepareError);
  // DesiredState ready (start-first updates) prepares the task and holds it there.
  const mayStart = stateRank(task.DesiredState) >= stateRank('running');
  switch (cur.State) {
    case 'new':
    case 'pending':
    case 'assigned':
      return to('accepted', 'accepted');
    case 'accepted':
      return to('preparing', 'preparing');
    case 'preparing':
      return c ? to('ready', 'prepared') : cur;
    case 'ready':
      if (!c) return to('failed', 'prepared', GONE);
      return mayStart ? to('starting', 'starting') : cur;
    case 'starting':
      if (!c) return to('failed', 'starting', GONE);
      if (c.Started) return to('running', 'started');
      if (observed.startError) return to('failed', 'starting', observed.startError);
      return cur;
    case 'running':
      if (!c) return to('failed', 'started', GONE);
      if (c.Running || !c.Started) return cur;
      return c.ExitCode === 0
        ? to('complete', 'finished')
        : to('failed', 'started', `task: non-zero exit (${c.ExitCode})`);
    default:
      return cur;
  }
}

/** What the controller must do next for the task to move on; 'none' when only step() is due. */
export type TaskAction = 'prepare' | 'start' | 'wait' | 'shutdown' | 'none';

/** The controller call that lets step() advance from the task's current state. */
export function nextAction(task: SteppableTask, observed: ObservedTask): TaskAction {
  const s = task.Status.State;
  if (isTerminal(s)) return 'none';
  const c = observed.container;
  if (wantsShutdown(task.DesiredState)) return c?.Running && !observed.shutDown ? 'shutdown' : 'none';
  if (s === 'preparing' && !c && !observed.prepareError) return 'prepare';
  if (s === 'starting' && c && !c.Started && !observed.startError) return 'start';
  if (s === 'running' && c?.Running) return 'wait';
  return 'none';
}
