import type { Duplex } from 'node:stream';
import { demux } from './api-client';

export interface SessionOptions {
  /** Raw stream (TTY) or Docker's multiplexed frames. */
  tty: boolean;
  /** Forward this process's stdin; its EOF half-closes the connection. */
  stdin: boolean;
}

/**
 * Runs a hijacked attach or exec stream against this terminal: output to stdout/stderr, stdin
 * into the connection (the terminal in raw mode with a TTY, so keys go through as typed).
 * Resolves when the daemon ends the stream; close() gives the terminal back.
 */
export function stdioSession(socket: Duplex, o: SessionOptions): { done: Promise<void>; close: () => void } {
  const write = o.tty
    ? (b: Buffer) => process.stdout.write(b)
    : demux(
        (b) => process.stdout.write(b),
        (b) => process.stderr.write(b),
      );
  const input = process.stdin;
  const raw = o.stdin && o.tty && input.isTTY;
  const onInput = (c: Buffer) => socket.write(c);
  const onInputEnd = () => socket.end();
  if (o.stdin) {
    if (raw) input.setRawMode(true);
    input.on('data', onInput);
    input.once('end', onInputEnd);
    input.resume();
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (o.stdin) {
      input.off('data', onInput);
      input.off('end', onInputEnd);
      if (raw) input.setRawMode(false);
      input.pause();
      input.unref?.();
    }
  };
  const done = new Promise<void>((resolve) => {
    socket.on('data', write);
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.on('error', () => resolve());
  }).finally(close);
  return { done, close };
}
