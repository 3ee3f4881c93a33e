import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { closeWriter, fifoWriter, makeFifo } from './fifo';

/**
 * The stdin of a container's init process: a FIFO whose write end the daemon holds, so that it
 * outlives the clients attached to it. Input may come (and end) before the task exists, as
 * `docker run -i` attaches before it starts: it waits in the pipe, and an end of input is kept
 * until the task runs, since closing an unread FIFO would drop what it holds. The shim holds a
 * write end of its own: the process sees EOF only after containerd's CloseIO as well.
 */
export class StdinPipe {
  private writer?: Socket;
  private opening?: Promise<Socket>;
  private running = false;
  private endPending = false;

  constructor(
    readonly file: string,
    /** containerd's CloseIO for the task's stdin. */
    private readonly closeIO: () => Promise<void>,
  ) {}

  /** The write end, opened (and the FIFO made) on first use. */
  open(): Promise<Writable> {
    if (this.writer && !this.writer.destroyed) return Promise.resolve(this.writer);
    this.opening ??= (async () => {
      if (!existsSync(this.file)) await makeFifo(this.file);
      const w = fifoWriter(this.file);
      this.writer = w;
      return w;
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** The task is running and the shim reads the FIFO: an end that came early applies now. */
  started(): void {
    this.running = true;
    if (this.endPending) this.close();
  }

  /** The client's input ended (StdinOnce): the process sees EOF once it has read the rest. */
  end(): void {
    if (this.running) this.close();
    else this.endPending = true;
  }

  /** The task exited: the next start gets a fresh stdin. */
  exited(): void {
    this.running = false;
    this.endPending = false;
    this.close(false);
  }

  /** Graceful: what is written still reaches the process; otherwise dropped now. */
  close(graceful = true): void {
    const w = this.writer;
    this.writer = undefined;
    this.endPending = false;
    if (!w) return;
    if (graceful) closeWriter(w, () => void this.closeIO().catch(() => undefined));
    else w.destroy();
  }
}
