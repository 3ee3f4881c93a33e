import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parseBool } from '../../src/api';
import { stdcopyFrame, type ContainerService, type JsonFileLog } from '../engine/containers';
import { acceptUpgrade, refuseUpgrade, unshiftHead } from './hijack';

const ATTACH_PATH = /^(?:\/v\d+\.\d+)?\/containers\/([^/]+)\/attach(?:\?(.*))?$/;

/**
 * POST /containers/{id}/attach over a hijacked connection (Connection: Upgrade, Upgrade: tcp):
 * answers 101 and streams the container's output, framed unless it has a TTY, until it exits.
 * With stdin=1 and an OpenStdin container, the connection's input goes to the container's
 * stdin; with StdinOnce, the client's half-close closes it. Returns false when the request is
 * not an attach (the caller answers it).
 */
export function handleAttachUpgrade(
  svc: ContainerService,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer = Buffer.alloc(0),
): boolean {
  const m = ATTACH_PATH.exec(req.url ?? '');
  if (!m || req.method !== 'POST') return false;
  const q = new URLSearchParams(m[2] ?? '');
  let rec;
  try {
    rec = svc.get(decodeURIComponent(m[1]));
  } catch (err) {
    refuseUpgrade(socket, err);
    return true;
  }
  const tty = !!rec.Config.Tty;
  socket.on('error', () => undefined);
  acceptUpgrade(socket, tty);
  const wantOut = parseBool(q.get('stdout') ?? undefined, false);
  const wantErr = parseBool(q.get('stderr') ?? undefined, false);
  const wantIn = parseBool(q.get('stdin') ?? undefined, false);
  const log: JsonFileLog = svc.logOf(rec.Id);
  const onLine = (l: { stream: 'stdout' | 'stderr'; log: string }) => {
    if ((l.stream === 'stdout' && !wantOut) || (l.stream === 'stderr' && !wantErr)) return;
    if (socket.destroyed || socket.writableEnded) return;
    const payload = Buffer.from(l.log);
    socket.write(tty ? payload : stdcopyFrame(l.stream, payload));
  };
  const finish = () => {
    log.off('line', onLine);
    log.off('close', finish);
    if (!socket.destroyed) socket.end();
  };
  log.on('line', onLine);
  // A container that is not running yet (docker run attaches before start) ends at its next exit.
  log.once('close', finish);
  socket.on('close', () => {
    log.off('line', onLine);
    log.off('close', finish);
  });
  unshiftHead(socket, head);
  const stdin = wantIn ? svc.stdinOf(rec.Id) : undefined;
  if (!stdin) {
    // Input is not wanted: keep reading only to see the close.
    socket.resume();
    return true;
  }
  const stdinOnce = !!rec.Config.StdinOnce;
  socket.pause();
  stdin
    .open()
    .then((w) => {
      socket.pipe(w, { end: false });
      let ended = false;
      const inputEnded = () => {
        socket.unpipe(w);
        if (ended) return;
        ended = true;
        if (stdinOnce) stdin.end();
      };
      socket.once('end', inputEnded);
      socket.once('close', inputEnded);
    })
    .catch(() => socket.resume());
  return true;
}
