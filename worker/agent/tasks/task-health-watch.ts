import type { ContainerRecord } from '../../engine/containers';
import type { TaskHealthEvents, TaskHealthStatus } from './task-health-events';
import type { ObservedHealth } from './task-step';

/**
 * What one task's controller has heard of its container's health: whether it reported
 * healthy, whether it reported unhealthy (both stick for the life of the container), and a
 * promise for the next report, which wakes the runner's wait.
 */
export class TaskHealthWatch {
  private containerId?: string;
  private unwatch?: () => void;
  private healthy = false;
  private unhealthy = false;
  private changed?: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly events: TaskHealthEvents) {}

  /**
   * Follows the container's health events from now on; idempotent for the same container. A
   * container already running (adopted after a restart) starts from the status its record
   * shows; the engine's later events carry on from there.
   */
  follow(r: ContainerRecord): void {
    if (this.containerId === r.Id) return;
    this.close();
    this.containerId = r.Id;
    this.healthy = false;
    this.unhealthy = false;
    this.unwatch = this.events.watch(r.Id, (s) => this.onStatus(s));
    if (r.State.Running && r.State.Health) this.note(r.State.Health.Status);
  }

  observe(r: ContainerRecord): ObservedHealth {
    this.follow(r);
    return { healthy: this.healthy, unhealthy: this.unhealthy };
  }

  /** Resolves at the container's next health event. */
  next(r: ContainerRecord): Promise<void> {
    this.follow(r);
    if (!this.changed) {
      let resolve!: () => void;
      const promise = new Promise<void>((res) => (resolve = res));
      this.changed = { promise, resolve };
    }
    return this.changed.promise;
  }

  /** Stops following (the container is gone or the task is done); idempotent. */
  close(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.containerId = undefined;
    this.wake();
  }

  private onStatus(s: TaskHealthStatus): void {
    this.note(s);
    this.wake();
  }

  private note(s: TaskHealthStatus): void {
    if (s === 'healthy') this.healthy = true;
    else if (s === 'unhealthy') this.unhealthy = true;
  }

  private wake(): void {
    const c = this.changed;
    this.changed = undefined;
    c?.resolve();
  }
}
