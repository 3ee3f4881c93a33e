/**
 * How service and task logs go out, as Docker's WriteLogStream writes them: each message is
 * `[<timestamp> ][<details> ]<line>`, the details being the swarm context labels
 * (com.docker.swarm.node.id=...,com.docker.swarm.service.id=...,com.docker.swarm.task.id=...,
 * url-query-escaped, comma-joined: the docker CLI reads them to print `web.1.xyz@node | `),
 * in stdcopy frames unless the service has a TTY. The writer is bounded: while the client
 * reads too slowly the lines wait in a queue of at most `maxQueuedBytes`; beyond it they are
 * dropped, and once the client catches up each task whose lines were dropped gets a note.
 */
import { stdcopyFrame } from '../../worker/engine/containers/stdcopy';

export interface LogContext {
  readonly nodeId: string;
  readonly serviceId: string;
  readonly taskId: string;
}

export interface LogFormat {
  readonly timestamps: boolean;
  readonly details: boolean;
  /** stdcopy frames (no TTY); raw bytes otherwise. */
  readonly mux: boolean;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The details Docker puts before each line of a service's logs. */
export function contextDetails(ctx: LogContext): string {
  return [
    ['com.docker.swarm.node.id', ctx.nodeId],
    ['com.docker.swarm.service.id', ctx.serviceId],
    ['com.docker.swarm.task.id', ctx.taskId],
  ]
    .map(([k, v]) => `${queryEscape(k!)}=${queryEscape(v!)}`)
    .join(',');
}

/** One message as the response carries it. */
export function formatLogMessage(
  ctx: LogContext,
  m: { stream: 'stdout' | 'stderr'; timestamp: string; line: string },
  f: LogFormat,
): Buffer {
  let text = m.line;
  if (f.details) text = `${contextDetails(ctx)} ${text}`;
  if (f.timestamps) text = `${m.timestamp} ${text}`;
  const payload = Buffer.from(text, 'utf8');
  return f.mux ? stdcopyFrame(m.stream, payload) : payload;
}

/** What the writer writes to (an http.ServerResponse). */
export interface LogOutput {
  write(chunk: Buffer): boolean;
  end(): void;
  once(event: 'drain', cb: () => void): unknown;
}

export class BoundedLogWriter {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private blocked = false;
  private ending = false;
  private closed = false;
  private readonly dropped = new Map<string, { ctx: LogContext; n: number }>();
  /** Lines dropped so far (all tasks). */
  droppedTotal = 0;

  constructor(
    private readonly out: LogOutput,
    private readonly f: LogFormat,
    private readonly maxQueuedBytes = 4 << 20,
  ) {}

  /** Bytes waiting for the client. */
  get queuedBytes(): number {
    return this.queued;
  }

  line(ctx: LogContext, m: { stream: 'stdout' | 'stderr'; timestamp: string; line: string }): void {
    if (this.closed || this.ending) return;
    const buf = formatLogMessage(ctx, m, this.f);
    if (!this.blocked && this.queue.length === 0) {
      if (!this.out.write(buf)) this.block();
      return;
    }
    if (this.queued + buf.length > this.maxQueuedBytes) {
      const d = this.dropped.get(ctx.taskId) ?? { ctx, n: 0 };
      d.n++;
      this.droppedTotal++;
      this.dropped.set(ctx.taskId, d);
      return;
    }
    this.queue.push(buf);
    this.queued += buf.length;
  }

  /** Ends the response once what is queued is written. */
  end(): void {
    if (this.closed) return;
    this.ending = true;
    if (!this.blocked) this.flush();
  }

  /** The client went away: drop everything. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queued = 0;
    this.dropped.clear();
  }

  private block(): void {
    this.blocked = true;
    this.out.once('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    while (this.queue.length) {
      const b = this.queue.shift()!;
      this.queued -= b.length;
      if (!this.out.write(b)) return this.block();
    }
    for (const [taskId, { ctx, n }] of [...this.dropped]) {
      this.dropped.delete(taskId);
      {
        const line = `tsswarm: ${n} log line${n === 1 ? '' : 's'} dropped: the client read too slowly\n`;
        const buf = formatLogMessage(ctx, { stream: 'stderr', timestamp: new Date().toISOString(), line }, this.f);
        if (!this.out.write(buf)) return this.block();
      }
    }
    if (this.ending) {
      this.closed = true;
      this.out.end();
    }
  }
}
