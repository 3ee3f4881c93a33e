import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError, toTsswarmError } from '../../src/api';

/** The largest JSON body an upgraded request (exec start) may carry. */
const MAX_UPGRADE_BODY = 64 * 1024;

/**
 * Answers an upgrade request with Docker's `{"message"}` error and the error's status, then
 * closes the connection (nothing was hijacked yet).
 */
export function refuseUpgrade(socket: Duplex, err: unknown): void {
  const e = toTsswarmError(err);
  const body = JSON.stringify({ message: e.message });
  socket.end(
    `HTTP/1.1 ${e.httpStatus} ${statusText(e.httpStatus)}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** 101 and the stream's media type: raw with a TTY, else Docker's multiplexed frames. */
export function acceptUpgrade(socket: Duplex, tty: boolean): void {
  socket.write(
    'HTTP/1.1 101 UPGRADED\r\n' +
      `Content-Type: application/vnd.docker.${tty ? 'raw-stream' : 'multiplexed-stream'}\r\n` +
      'Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
  );
}

/**
 * The JSON body of an upgrade request: node leaves it unparsed, partly in `head`, the rest on
 * the socket. What follows the body is the client's stream input; it is pushed back onto the
 * socket. Only Content-Length bodies are taken (what the docker CLI sends); none is `{}`.
 */
export async function readUpgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<unknown> {
  if (req.headers['transfer-encoding'])
    throw new InvalidArgumentError('a hijacked request must send its body with Content-Length');
  const length = Number(req.headers['content-length'] ?? 0);
  if (!Number.isInteger(length) || length < 0) throw new InvalidArgumentError('invalid Content-Length');
  if (length > MAX_UPGRADE_BODY) throw new InvalidArgumentError('request body too large');
  let buf = head;
  while (buf.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (c: Buffer) => done(c);
      const onEnd = () => done(null);
      const done = (c: Buffer | null) => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        socket.pause();
        resolve(c);
      };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.resume();
    });
    if (!chunk) throw new InvalidArgumentError('the request body ended early');
    buf = Buffer.concat([buf, chunk]);
  }
  const rest = buf.subarray(length);
  if (rest.length) socket.unshift(rest);
  const text = buf.subarray(0, length).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`invalid JSON: ${(err as Error).message}`);
  }
}

/** Pushes bytes that came with the request head back, for the stream reader. */
export function unshiftHead(socket: Duplex, head: Buffer): void {
  if (head.length) socket.unshift(head);
}

function statusText(status: number): string {
  return (
    { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 503: 'Service Unavailable' }[
      status
    ] ?? 'Error'
  );
}
