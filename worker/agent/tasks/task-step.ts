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
  /**
   * Set when the container's effective healthcheck runs a probe (and the agent hears the
   * engine's health events): what those events said since the container started.
   */
  health?: ObservedHealth;
}

/** The health events of a task's container, as swarm's executor acts on them. */
export interface ObservedHealth {
  /** `health_status: healthy` came: a starting task may run. */
  healthy: boolean;
  /** `health_status: unhealthy` came: the container is stopped and the task fails. */
  unhealthy: boolean;
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

/** The cause swarm's executor gives a container stopped for failing its healthcheck (ErrContainerUnhealthy). */
export const UNHEALTHY = 'dockerexec: unhealthy container';

/** The Err of a container that exited non-zero: Docker's exitError, with the unhealthy cause when known. */
export function exitErr(code: number, unhealthy: boolean): string {
  return unhealthy ? `task: non-zero exit (${code}): ${UNHEALTHY}` : `task: non-zero exit (${code})`;
}

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
 *
 * A container with a healthcheck stays `starting` until it reports healthy, as with swarm's
 * executor; reported unhealthy (before or after running) it is stopped and the task fails,
 * Err `task: non-zero exit (N): dockerexec: unhealthy container`.
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
    case 'starting': {
      if (!c) return to('failed', 'starting', GONE);
      const h = observed.health;
      if (c.Started && (!h || h.healthy)) return to('running', 'started');
      if (c.Started && !c.Running)
        // Exited before it was healthy: a clean exit runs (and then completes), as Docker's Start returns nil.
        return c.ExitCode === 0
          ? to('running', 'started')
          : to('failed', 'starting', exitErr(c.ExitCode, !!h?.unhealthy));
      if (observed.startError) return to('failed', 'starting', observed.startError);
      return cur;
    }
    case 'running':
      if (!c) return to('failed', 'started', GONE);
      if (c.Running || !c.Started) return cur;
      return c.ExitCode === 0
        ? to('complete', 'finished')
        : to('failed', 'started', exitErr(c.ExitCode, !!observed.health?.unhealthy));
    default:
      return cur;
  }
}

/**
 * What the controller must do next for the task to move on; 'none' when only step() is due.
 * 'wait' resolves when the container exits or reports a health status.
 */
export type TaskAction = 'prepare' | 'start' | 'wait' | 'shutdown' | 'none';

/** The controller call that lets step() advance from the task's current state. */
export function nextAction(task: SteppableTask, observed: ObservedTask): TaskAction {
  const s = task.Status.State;
  const c = observed.container;
  // An ended task's container is kept only for its logs: one that runs (started by hand, or
  // the managers ended the task) is stopped, and the state stays.
  if (isTerminal(s) || wantsShutdown(task.DesiredState)) return c?.Running && !observed.shutDown ? 'shutdown' : 'none';
  if (s === 'preparing' && !c && !observed.prepareError) return 'prepare';
  if (s === 'starting' && c && !c.Started && !observed.startError) return 'start';
  // Waiting for health: an unhealthy container is stopped (swarm's executor shuts it down).
  if ((s === 'starting' || s === 'running') && c?.Running) return observed.health?.unhealthy ? 'shutdown' : 'wait';
  return 'none';
}
