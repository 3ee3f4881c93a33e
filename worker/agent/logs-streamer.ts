/**
 * The agent's half of the log messages: a `logs-subscribe` reads each named task's container
 * log through the ContainerService logs API (tail, since, follow as asked; timestamps always,
 * so every line carries its time) and sends the lines back as `logs-data`, then a `logs-end`
 * per task and a final one for the subscription. `logs-cancel` and a closed session stop the
 * streams. While the session's send buffer is over `maxBacklogBytes` the streams pause, so a
 * slow manager or network does not grow this node's memory.
 */
import type { Readable } from 'node:stream';
import type { LogsAgentMessage, LogsCancelMessage, LogsSubscribeMessage, LogsSubscriptionOptions } from '../../src/rpc';
import { createLogger, type Logger } from '../../src/util';

/** The container calls the streamer makes (the engine's ContainerService fits). */
export interface LogContainers {
  list(o: { all?: boolean; filters?: Record<string, string[]> }): Array<{ Id?: unknown }>;
  get(id: string): { Id: string; Config: { Tty?: boolean } };
  logs(
    id: string,
    o: { stdout: boolean; stderr: boolean; follow: boolean; timestamps: boolean; tail: number | 'all'; since: number },
  ): Readable;
}

export interface LogsStreamerOptions {
  containers: LogContainers;
  send(m: LogsAgentMessage): void;
  /** Bytes waiting in the session's send buffer (0 when unknown). */
  backlog?(): number;
  /** Pause the streams above this backlog; default 1 MiB. */
  maxBacklogBytes?: number;
  logger?: Logger;
}

const TASK_ID_LABEL = 'com.docker.swarm.task.id';
const STAMPED = /^(\d{4}-\d\d-\d\dT\S+) ([\s\S]*)$/;

interface Active {
  readonly id: string;
  readonly streams: Set<Readable>;
  open: number;
  timer?: NodeJS.Timeout;
  cancelled: boolean;
}

/** Splits Docker's stdcopy frames as they arrive; each frame of a log stream is one line. */
export class StdcopyParser {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer, out: (stream: 'stdout' | 'stderr', data: Buffer) => void): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let i = 0;
    while (this.buf.length - i >= 8) {
      const len = this.buf.readUInt32BE(i + 4);
      if (this.buf.length - i < 8 + len) break;
      out(this.buf[i] === 2 ? 'stderr' : 'stdout', this.buf.subarray(i + 8, i + 8 + len));
      i += 8 + len;
    }
    this.buf = this.buf.subarray(i);
  }
}

/** A timestamped line ("<time> <text>") split in two; lines without a time get now's. */
export function splitStamp(text: string): { timestamp: string; line: string } {
  const m = STAMPED.exec(text);
  if (m) return { timestamp: m[1]!, line: m[2]! };
  return { timestamp: new Date().toISOString(), line: text };
}

export class LogsStreamer {
  private readonly subs = new Map<string, Active>();
  private readonly log: Logger;
  private readonly maxBacklog: number;

  constructor(private readonly o: LogsStreamerOptions) {
    this.log = o.logger ?? createLogger('agent.logs');
    this.maxBacklog = o.maxBacklogBytes ?? 1 << 20;
  }

  /** Live subscriptions. */
  get size(): number {
    return this.subs.size;
  }

  /** Takes a dispatcher message; returns whether it was a log message. */
  onMessage(msg: { type: string }): boolean {
    if (msg.type === 'logs-subscribe') {
      this.subscribe(msg as LogsSubscribeMessage);
      return true;
    }
    if (msg.type === 'logs-cancel') {
      const a = this.subs.get((msg as LogsCancelMessage).subscriptionId);
      if (a) this.stop(a);
      return true;
    }
    return false;
  }

  /** Stops every subscription (the session closed: the manager forgot them). */
  stopAll(): void {
    for (const a of [...this.subs.values()]) this.stop(a);
  }

  private subscribe(m: LogsSubscribeMessage): void {
    const id = m.subscriptionId;
    if (!id || this.subs.has(id)) return;
    const a: Active = { id, streams: new Set(), open: 0, cancelled: false };
    this.subs.set(id, a);
    for (const taskId of m.taskIds ?? []) this.startTask(a, taskId, m.options);
    if (a.open === 0) this.done(a);
  }

  private startTask(a: Active, taskId: string, o: LogsSubscriptionOptions): void {
    let stream: Readable;
    let tty: boolean;
    try {
      const hit = this.o.containers.list({ all: true, filters: { label: [`${TASK_ID_LABEL}=${taskId}`] } })[0];
      if (!hit) {
        this.o.send({ type: 'logs-end', subscriptionId: a.id, taskId, error: `no container for task ${taskId}` });
        return;
      }
      const rec = this.o.containers.get(String(hit.Id));
      tty = !!rec.Config.Tty;
      stream = this.o.containers.logs(rec.Id, {
        stdout: !!o.stdout,
        stderr: !!o.stderr,
        follow: !!o.follow,
        timestamps: true,
        tail: o.tail ?? 'all',
        since: o.since ?? 0,
      });
    } catch (err) {
      this.o.send({ type: 'logs-end', subscriptionId: a.id, taskId, error: (err as Error).message });
      return;
    }
    a.open++;
    a.streams.add(stream);
    const send = (s: 'stdout' | 'stderr', text: string) => {
      if (a.cancelled) return;
      const { timestamp, line } = splitStamp(text);
      this.o.send({ type: 'logs-data', subscriptionId: a.id, taskId, stream: s, timestamp, line });
    };
    const parser = new StdcopyParser();
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      if (tty) {
        // Raw: each log line was written whole; split in case writes were joined.
        const parts = (partial + chunk.toString('utf8')).split(/(?<=\n)/);
        partial = parts[parts.length - 1]!.endsWith('\n') ? '' : parts.pop()!;
        for (const p of parts) send('stdout', p);
      } else parser.push(chunk, (s, d) => send(s, d.toString('utf8')));
      this.throttle(a);
    });
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      if (partial) send('stdout', partial);
      a.streams.delete(stream);
      a.open--;
      if (a.cancelled) return;
      this.o.send({ type: 'logs-end', subscriptionId: a.id, taskId, ...(err ? { error: err.message } : {}) });
      if (a.open === 0) this.done(a);
    };
    stream.on('end', () => end());
    stream.on('close', () => end());
    stream.on('error', (err) => end(err));
  }

  /** Pauses the subscription's streams while the session's buffer is too full; resumes when it drains. */
  private throttle(a: Active): void {
    if (a.timer || !this.o.backlog || this.o.backlog() <= this.maxBacklog) return;
    for (const s of a.streams) s.pause();
    a.timer = setInterval(() => {
      if (a.cancelled || this.o.backlog!() > this.maxBacklog / 2) return;
      clearInterval(a.timer);
      a.timer = undefined;
      for (const s of a.streams) s.resume();
    }, 20);
  }

  private done(a: Active): void {
    if (this.subs.get(a.id) !== a) return;
    this.subs.delete(a.id);
    if (a.timer) clearInterval(a.timer);
    this.o.send({ type: 'logs-end', subscriptionId: a.id });
  }

  private stop(a: Active): void {
    a.cancelled = true;
    this.subs.delete(a.id);
    if (a.timer) clearInterval(a.timer);
    a.timer = undefined;
    for (const s of [...a.streams]) s.destroy();
    a.streams.clear();
    this.log.debug('log subscription stopped', { id: a.id });
  }
}
