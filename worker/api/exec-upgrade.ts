import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { stdcopyFrame, type ExecService, type ExecStart } from '../engine/containers';
import { acceptUpgrade, readUpgradeBody, refuseUpgrade } from './hijack';

const EXEC_START_PATH = /^(?:\/v\d+\.\d+)?\/exec\/([^/?]+)\/start(?:\?.*)?$/;

/**
 * POST /exec/{id}/start over a hijacked connection: the checks answer with Docker's JSON
 * errors, then 101 and the process's output (framed unless TTY) with the connection's input
 * as its stdin, until it exits. A process that cannot start gets its error written into the
 * stream, as Docker does. Returns false when the request is not an exec start.
 */
export function handleExecStartUpgrade(
  execs: ExecService,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): boolean {
  const m = EXEC_START_PATH.exec(req.url ?? '');
  if (!m || req.method !== 'POST') return false;
  socket.on('error', () => undefined);
  void (async () => {
    let start: ExecStart;
    try {
      const body = await readUpgradeBody(req, socket, head);
      start = execs.claim(decodeURIComponent(m[1]), body);
    } catch (err) {
      refuseUpgrade(socket, err);
      return;
    }
    if (start.detach) {
      try {
        await execs.run(start);
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      } catch (err) {
        refuseUpgrade(socket, err);
      }
      return;
    }
    acceptUpgrade(socket, start.tty);
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    const write = (stream: 'stdout' | 'stderr', data: Buffer) => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(start.tty ? data : stdcopyFrame(stream, data));
    };
    try {
      await execs.run(start, { stdin: socket, write, signal: gone.signal });
    } catch (err) {
      write('stdout', Buffer.from(`${(err as Error).message}\r\n`));
    }
    if (!socket.destroyed) socket.end();
  })();
  return true;
}
