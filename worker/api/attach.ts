import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parseBool, toTsswarmError } from '../../src/api';
import { stdcopyFrame, type ContainerService, type JsonFileLog } from '../engine/containers';

const ATTACH_PATH = /^(?:\/v\d+\.\d+)?\/containers\/([^/]+)\/attach(?:\?(.*))?$/;

/**
 * POST /containers/{id}/attach over a hijacked connection (Connection: Upgrade, Upgrade: tcp):
 * answers 101 and streams the container's output, framed unless it has a TTY, until it exits.
 * Returns false when the request is not an attach (the caller answers it).
 */
export function handleAttachUpgrade(svc: ContainerService, req: IncomingMessage, socket: Duplex): boolean {
  const m = ATTACH_PATH.exec(req.url ?? '');
  if (!m || req.method !== 'POST') return false;
  const q = new URLSearchParams(m[2] ?? '');
  let rec;
  try {
    rec = svc.get(decodeURIComponent(m[1]));
  } catch (err) {
    const e = toTsswarmError(err);
    const body = JSON.stringify({ message: e.message });
    socket.end(
      `HTTP/1.1 ${e.httpStatus} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    return true;
  }
  const tty = !!rec.Config.Tty;
  socket.write(
    'HTTP/1.1 101 UPGRADED\r\n' +
      `Content-Type: application/vnd.docker.${tty ? 'raw-stream' : 'multiplexed-stream'}\r\n` +
      'Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
  );
  const wantOut = parseBool(q.get('stdout') ?? undefined, false);
  const wantErr = parseBool(q.get('stderr') ?? undefined, false);
  const log: JsonFileLog = svc.logOf(rec.Id);
  const onLine = (l: { stream: 'stdout' | 'stderr'; log: string }) => {
    if ((l.stream === 'stdout' && !wantOut) || (l.stream === 'stderr' && !wantErr)) return;
    const payload = Buffer.from(l.log);
    socket.write(tty ? payload : stdcopyFrame(l.stream, payload));
  };
  const finish = () => {
    log.off('line', onLine);
    log.off('close', finish);
    socket.end();
  };
  log.on('line', onLine);
  // A container that is not running yet (docker run attaches before start) ends at its next exit.
  log.once('close', finish);
  socket.on('close', () => {
    log.off('line', onLine);
    log.off('close', finish);
  });
  socket.on('error', () => undefined);
  // Input is not forwarded: stdin of attached containers is not supported yet; keep reading to see the close.
  socket.resume();
  return true;
}
