/**
 * A minimal HTTP/1.1 server for the gateway's small JSON requests: request line, headers
 * (only Content-Length and Connection are read), a Content-Length body; keep-alive unless the
 * client says close. One request at a time per connection (pipelined ones wait their turn),
 * answered in one write. node:http costs more CPU per request than the rest of a put on the
 * leader, and the benchmark client needs none of what it offers beyond this.
 */
import * as net from 'node:net';
import { traceStage as stage } from '../../src/raft/node';

export interface LiteRequest {
  readonly method: string;
  readonly url: string;
  readonly body: Buffer;
}

/** Sends the response; call once. */
export type Respond = (status: number, body: string) => void;

export type LiteHandler = (req: LiteRequest, respond: Respond) => void;

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const MAX_HEAD = 16 * 1024;
const MAX_BODY = 8 * 1024 * 1024;

// Header names are matched case-insensitively at line starts (after the request line's CRLF).
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*([^\r]*)/i;
const CONNECTION_CLOSE = /\r\nconnection:[^\r]*close/i;
const CHUNKED = /\r\ntransfer-encoding:[^\r]*chunked/i;

class Connection {
  private buf: Buffer | undefined;
  private busy = false;
  private closed = false;

  constructor(
    private readonly sock: net.Socket,
    private readonly handler: LiteHandler,
  ) {
    sock.setNoDelay(true);
    sock.on('data', (c: Buffer) => {
      stage('sock_in');
      this.buf = this.buf ? Buffer.concat([this.buf, c]) : c;
      this.parse();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      this.closed = true;
    });
  }

  private fail(status: number): void {
    this.write(status, `{"error":"${REASONS[status]}","code":3}`, true);
  }

  private write(status: number, body: string, close: boolean): void {
    if (this.closed) return;
    const head =
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Unknown'}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n${close ? 'connection: close\r\n' : ''}\r\n`;
    if (close) {
      this.closed = true;
      this.sock.end(head + body);
    } else this.sock.write(head + body);
  }

  private parse(): void {
    while (!this.busy && !this.closed && this.buf) {
      const buf = this.buf;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD) this.fail(400);
        return;
      }
      const head = buf.toString('latin1', 0, end);
      const sp1 = head.indexOf(' ');
      const sp2 = head.indexOf(' ', sp1 + 1);
      const eol = head.indexOf('\r\n');
      const lineEnd = eol < 0 ? head.length : eol;
      if (sp1 <= 0 || sp2 <= sp1 || sp2 > lineEnd) return this.fail(400);
      const lenText = CONTENT_LENGTH.exec(head)?.[1];
      const len = lenText === undefined ? 0 : Number(lenText.trim());
      if (!Number.isInteger(len) || len < 0) return this.fail(400);
      if (len > MAX_BODY) return this.fail(413);
      if (CHUNKED.test(head)) return this.fail(400);
      const start = end + 4;
      if (buf.length < start + len) return;
      const close = CONNECTION_CLOSE.test(head) || head.slice(sp2 + 1, lineEnd) === 'HTTP/1.0';
      const req: LiteRequest = {
        method: head.slice(0, sp1),
        url: head.slice(sp1 + 1, sp2),
        body: buf.subarray(start, start + len),
      };
      this.buf = buf.length > start + len ? buf.subarray(start + len) : undefined;
      this.busy = true;
      let answered = false;
      this.handler(req, (status, body) => {
        if (answered) return;
        answered = true;
        this.busy = false;
        this.write(status, body, close);
        this.parse();
      });
    }
  }
}

/** A TCP server speaking the subset above; `handler` answers each request through `respond`. */
export function createLiteServer(handler: LiteHandler): net.Server {
  return net.createServer((sock) => new Connection(sock, handler));
}
