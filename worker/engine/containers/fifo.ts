import { closeSync, constants as fsc, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { fifoHelper } from './fifo-helper';

/** Creates (or recreates) a FIFO only root can open. */
export async function makeFifo(file: string): Promise<void> {
  rmSync(file, { force: true });
  await fifoHelper.make([file]);
}

/**
 * The read end of a FIFO the shim will write, opened without blocking so that no thread waits
 * for the shim. Wrap it with `fifoReader` only once the shim has opened its end: before that,
 * a read sees no writer and reports EOF.
 */
export function openFifoReadEnd(file: string): number {
  return openSync(file, fsc.O_RDONLY | fsc.O_NONBLOCK);
}

/** Reads a FIFO through the event loop (a pipe handle), not the thread pool. */
export function fifoReader(fd: number): Socket {
  return new Socket({ fd, readable: true, writable: false });
}

/**
 * The write end of a stdin FIFO. O_RDWR opens at once whether or not the shim reads yet, and
 * what is written waits in the pipe; closing it is the shim's EOF (it then closes the process's
 * stdin). Writes go through the event loop, so a process that never reads its stdin applies
 * backpressure instead of blocking a thread.
 */
export function fifoWriter(file: string): Socket {
  const fd = openSync(file, fsc.O_RDWR | fsc.O_NONBLOCK);
  const s = new Socket({ fd, readable: false, writable: true });
  s.on('error', () => undefined);
  return s;
}

/** Closes a raw fd that never became a socket. */
export function closeFd(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

/**
 * Closes a FIFO writer once what it holds is written, then calls `closed`. end() would try a
 * socket shutdown, which a FIFO does not have, and leave the fd hanging.
 */
export function closeWriter(w: Socket, closed: () => void = () => undefined): void {
  if (w.destroyed) return closed();
  const done = () => {
    w.destroy();
    closed();
  };
  if (w.writableLength > 0) w.once('drain', done);
  else done();
}
