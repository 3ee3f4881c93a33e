import type { Logger } from '../../../src/util';

/** First wait before a failed cleanup runs again; it doubles up to RETRY_MAX_MS. */
export const RETRY_FIRST_MS = 1000;
export const RETRY_MAX_MS = 30_000;

/**
 * Cleanups running at once. They are background work: a scale-down of 40 tasks would otherwise
 * run 40 task deletes and snapshot removals at once, and the starts that come meanwhile (a
 * replacement for a task that died) wait for the CPU behind them.
 */
export const CLEANUP_LANES = 2;

interface Failed {
  readonly cleanup: () => Promise<void>;
  readonly waitMs: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * The containerd side of removed containers, still being cleaned up. DELETE /containers/{id}
 * answers once the container is durably marked removed (a tombstone in its record) and gone
 * from the service's maps; the task delete, container delete and snapshot removal that follow
 * take 100 ms or more and need no one waiting. A cleanup that fails (containerd down) runs
 * again after a growing wait, and at once when containerd is back (retryNow). A daemon that
 * stops in between finds the tombstone on its next start and finishes the job
 * (ContainerService.restore). At most `lanes` cleanups run at once; the others wait their turn,
 * and none begins while a container start is in flight (yieldTo): a start is someone's wait (a
 * replacement for a task that died), a cleanup no one's.
 */
export class PendingRemovals {
  private readonly pending = new Map<string, Promise<void>>();
  private readonly failed = new Map<string, Failed>();
  private stopped = false;
  private running = 0;
  private readonly queue: Array<() => void> = [];
  /** Container starts in flight (yieldTo). */
  private starts = 0;

  constructor(
    private readonly log: Logger,
    private readonly lanes = CLEANUP_LANES,
  ) {}

  /** Runs `cleanup` for container `id` in the background; a failure is logged and retried. */
  add(id: string, cleanup: () => Promise<void>, waitMs = RETRY_FIRST_MS): void {
    this.dropFailed(id);
    const p = this.inLane(cleanup)
      .then(
        () => undefined,
        (err) => {
          this.log.warn('cleanup of a removed container failed; it is retried', { id, err, inMs: waitMs });
          if (this.stopped) return;
          const timer = setTimeout(() => this.add(id, cleanup, Math.min(waitMs * 2, RETRY_MAX_MS)), waitMs);
          timer.unref();
          this.failed.set(id, { cleanup, waitMs, timer });
        },
      )
      .finally(() => {
        if (this.pending.get(id) === p) this.pending.delete(id);
      });
    this.pending.set(id, p);
  }

  /** No cleanup begins until `start` has settled (those running go on). */
  async yieldTo<T>(start: Promise<T>): Promise<T> {
    this.starts++;
    try {
      return await start;
    } finally {
      if (--this.starts === 0) this.next();
    }
  }

  /** Runs every failed cleanup again now (containerd is back). */
  retryNow(): void {
    for (const [id, f] of [...this.failed]) this.add(id, f.cleanup, f.waitMs);
  }

  /** Cleanups running or waiting to run again. */
  get size(): number {
    return new Set([...this.pending.keys(), ...this.failed.keys()]).size;
  }

  /** Resolves once every cleanup running now has ended (or after `timeoutMs`); waiting retries are not waited for. */
  async settled(timeoutMs = 2 ** 31 - 1): Promise<void> {
    if (!this.pending.size) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.pending.values()),
      new Promise<void>((res) => {
        timer = setTimeout(res, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** No more retries: the next start finishes what is left. */
  stop(): void {
    this.stopped = true;
    for (const id of [...this.failed.keys()]) this.dropFailed(id);
  }

  private async inLane(cleanup: () => Promise<void>): Promise<void> {
    if (this.starts === 0 && this.running < this.lanes) this.running++;
    else await new Promise<void>((r) => this.queue.push(r));
    try {
      await cleanup();
    } finally {
      this.running--;
      this.next();
    }
  }

  /** Gives free lanes to the cleanups in line, unless a start is in flight. */
  private next(): void {
    while (this.starts === 0 && this.running < this.lanes && this.queue.length) {
      this.running++;
      this.queue.shift()!();
    }
  }

  private dropFailed(id: string): void {
    const f = this.failed.get(id);
    if (!f) return;
    clearTimeout(f.timer);
    this.failed.delete(id);
  }
}
