import type { TaskStatus } from '../../../src/api';
import type { Logger } from '../../../src/util';
import type { AssignedTask } from './assigned-task';
import type { Controller } from './controller';
import { isTerminal, stateRank } from './task-state-order';
import { nextAction, step } from './task-step';

/** How long the runner waits before retrying a controller call that threw. */
export const RETRY_MS = 1000;

/**
 * Drives one task: observe, step() to the next status (reported), and when step() has
 * nothing to do, the controller call nextAction() names; then again, until the task is
 * terminal (then its files are released once) or the runner is stopped. A new version of the
 * task (update) wakes it.
 */
export class TaskRunner {
  private status: TaskStatus;
  private wake = new AbortController();
  private stopped = false;
  private loop?: Promise<void>;
  /** The ended task's files are gone (Controller.release). */
  private released = false;

  constructor(
    private task: AssignedTask,
    private readonly ctlr: Controller & { update?(t: AssignedTask): void; close?(): void },
    private readonly report: (status: TaskStatus) => void,
    private readonly log?: Logger,
  ) {
    this.status = task.Status;
  }

  /** The status this runner last reached. */
  current(): TaskStatus {
    return this.status;
  }

  /**
   * A new version of the task from the managers. Its Status replaces ours only when it is
   * further on (states never go back); a changed DesiredState wakes the runner.
   */
  update(task: AssignedTask): void {
    let woken = task.DesiredState !== this.task.DesiredState;
    if (stateRank(task.Status.State) > stateRank(this.status.State)) {
      this.status = task.Status;
      woken = true;
    }
    this.task = task;
    this.ctlr.update?.(task);
    if (woken) this.poke();
  }

  /** Starts the loop; idempotent. */
  run(): void {
    this.loop ??= this.drive().catch((err) => this.log?.error('task runner stopped', { task: this.task.ID, err }));
  }

  /** Ends the loop and waits for the call in progress; the container is left as it is. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    await this.loop;
    this.ctlr.close?.();
  }

  /** Stops the loop, then shuts the container down and removes it and the task's files. */
  async remove(): Promise<void> {
    await this.stop();
    await this.ctlr.shutdown();
    await this.ctlr.remove();
  }

  private poke(): void {
    this.wake.abort();
    this.wake = new AbortController();
  }

  private async drive(): Promise<void> {
    while (!this.stopped) {
      const signal = this.wake.signal;
      const obs = this.ctlr.observe();
      const next = step({ Status: this.status, DesiredState: this.task.DesiredState }, obs);
      if (next !== this.status) {
        this.status = next;
        this.report(next);
        continue;
      }
      const action = nextAction({ Status: this.status, DesiredState: this.task.DesiredState }, obs);
      try {
        if (action === 'none' && isTerminal(this.status.State) && !this.released) {
          await this.ctlr.release();
          this.released = true;
        } else if (action === 'none') await aborted(signal);
        else if (action === 'wait') await this.ctlr.wait(signal);
        else await this.ctlr[action]();
      } catch (err) {
        this.log?.warn('task controller call failed; retrying', { task: this.task.ID, action, err });
        await aborted(signal, RETRY_MS);
      }
    }
  }
}

/** Resolves when the signal aborts, or after ms when given. */
function aborted(signal: AbortSignal, ms?: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
