import type { Logger } from '../../../src/util';

/**
 * The containerd side of removed containers, still being cleaned up. DELETE /containers/{id}
 * answers once the container is durably marked removed (a tombstone in its record) and gone
 * from the service's maps; the task delete, container delete and snapshot removal that follow
 * take 100 ms or more and need no one waiting. A daemon that stops in between finds the
 * tombstone on its next start and finishes the job (ContainerService.restore).
 */
export class PendingRemovals {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Runs `cleanup` for container `id` in the background; a failure is logged, the tombstone stays. */
  add(id: string, cleanup: () => Promise<void>): void {
    const p = cleanup()
      .catch((err) => this.log.warn('cleanup of a removed container failed; the next start retries it', { id, err }))
      .finally(() => {
        if (this.pending.get(id) === p) this.pending.delete(id);
      });
    this.pending.set(id, p);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves once every cleanup under way now has ended (or after `timeoutMs`). */
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
}
