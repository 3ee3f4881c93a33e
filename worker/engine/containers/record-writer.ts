import { renameFile, writeSmallFile } from './small-files';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface Slot {
  /** The newest state not yet being written. */
  pending?: string;
  /** Those waiting for `pending` (or a later state) to be on disk. */
  waiters: Waiter[];
  /** The loop writing this record, while there is something to write. */
  running?: Promise<void>;
}

/**
 * Writes each container's record file off the event loop; the newest state wins. A write
 * replaces the file by a rename, and ext4 makes a rename over a file wait for its journal:
 * done synchronously, the 150 record writes of 50 containers stopping at once held the event
 * loop for most of a second, and every other container's stop with it. One write per record is
 * under way at a time; the states given meanwhile are written once after it, as the newest.
 */
export class RecordWriter {
  private readonly slots = new Map<string, Slot>();

  /** `fileOf(id)` is the record's path; its directory gone means the container was removed. */
  constructor(private readonly fileOf: (id: string) => string) {}

  /**
   * Resolves once `state` (or a state given after it) of `id` is on disk. Nothing is written,
   * and it resolves, when the record's directory is gone.
   */
  write(id: string, state: string): Promise<void> {
    let s = this.slots.get(id);
    if (!s) this.slots.set(id, (s = { waiters: [] }));
    s.pending = state;
    const written = new Promise<void>((resolve, reject) => s.waiters.push({ resolve, reject }));
    s.running ??= this.drain(id, s);
    return written;
  }

  /** Resolves once nothing of `id` is being or waiting to be written. */
  async flush(id: string): Promise<void> {
    await this.slots.get(id)?.running;
  }

  /** Resolves once every record given so far is written. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.slots.values()].map((s) => s.running));
  }

  private async drain(id: string, s: Slot): Promise<void> {
    while (s.pending !== undefined) {
      const state = s.pending;
      s.pending = undefined;
      const waiters = s.waiters.splice(0);
      try {
        await this.replace(this.fileOf(id), state);
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    s.running = undefined;
    this.slots.delete(id);
  }

  private async replace(file: string, state: string): Promise<void> {
    const tmp = `${file}.tmp`;
    try {
      await writeSmallFile(tmp, state);
      await renameFile(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
