import type { ObservedTask } from './task-step';

/**
 * What runs one task (swarmkit's agent/exec.Controller). The runner calls these as step()
 * and nextAction() direct; each may be called again after a failure or a daemon restart, so
 * each is idempotent: prepare adopts an existing container, start and shutdown of a container
 * already in that state do nothing, remove of a removed task does nothing.
 */
export interface Controller {
  /** What the controller knows now of the task's container and of its own failed calls. */
  observe(): ObservedTask;
  /** Pulls the image when missing, writes the task's files, creates the container. Failures are observed as prepareError. */
  prepare(): Promise<void>;
  /** Starts the container. Failures are observed as startError. */
  start(): Promise<void>;
  /** Resolves when the container's process has exited, or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void>;
  /** Stops the container: StopSignal, then SIGKILL after StopGracePeriod. */
  shutdown(): Promise<void>;
  /**
   * The task has ended: what it needed to run goes (the task's files: secrets tmpfs, configs);
   * the stopped container stays, with its logs, until remove().
   */
  release(): Promise<void>;
  /** Removes the container and the task's files (secrets tmpfs, configs). */
  remove(): Promise<void>;
}
