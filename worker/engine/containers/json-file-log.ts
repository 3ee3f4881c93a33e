import { EventEmitter } from 'node:events';
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { stdcopyFrame } from './stdcopy';

export type LogStream = 'stdout' | 'stderr';

export interface LogLine {
  stream: LogStream;
  log: string;
  time: string;
}

export interface JsonFileLogOptions {
  /** Rotate when the file passes this size; default 10 MiB. */
  maxSizeBytes?: number;
  /** Files kept, the live one included; default 3. */
  maxFiles?: number;
}

/**
 * A container's log in Docker's json-file format: one {"log","stream","time"} object per line,
 * rotated by size into <path>.1, <path>.2, ... Followers are told of each new line.
 */
export class JsonFileLog extends EventEmitter {
  private size: number;
  private readonly maxSize: number;
  private readonly maxFiles: number;
  private closed = false;

  constructor(
    readonly path: string,
    opts: JsonFileLogOptions = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.maxSize = opts.maxSizeBytes ?? 10 << 20;
    this.maxFiles = Math.max(1, opts.maxFiles ?? 3);
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  /** Appends a chunk of output; split into lines as Docker does (a partial last line is kept as is). */
  write(stream: LogStream, chunk: Buffer): void {
    if (this.closed) return;
    const text = chunk.toString('utf8');
    const parts = text.split(/(?<=\n)/);
    let out = '';
    const lines: LogLine[] = [];
    for (const log of parts) {
      if (!log) continue;
      const line = { log, stream, time: new Date().toISOString().replace('Z', '000000Z') };
      lines.push(line);
      out += JSON.stringify(line) + '\n';
    }
    if (!out) return;
    if (this.size + out.length > this.maxSize && this.size > 0) this.rotate();
    appendFileSync(this.path, out);
    this.size += Buffer.byteLength(out);
    for (const l of lines) this.emit('line', l);
  }

  private rotate(): void {
    if (this.maxFiles === 1) {
      rmSync(this.path, { force: true });
    } else {
      for (let i = this.maxFiles - 1; i >= 1; i--) {
        const from = i === 1 ? this.path : `${this.path}.${i - 1}`;
        if (existsSync(from)) renameSync(from, `${this.path}.${i}`);
      }
    }
    this.size = 0;
  }

  /** Takes writes again after close() (the container started again). */
  reopen(): void {
    this.closed = false;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends followers' streams (the container stopped). */
  close(): void {
    this.closed = true;
    this.emit('close');
  }

  /** Lines on disk, oldest first, across rotated files. */
  readAll(): LogLine[] {
    const files: string[] = [];
    for (let i = this.maxFiles - 1; i >= 1; i--) if (existsSync(`${this.path}.${i}`)) files.push(`${this.path}.${i}`);
    if (existsSync(this.path)) files.push(this.path);
    const out: LogLine[] = [];
    for (const f of files) {
      for (const raw of readFileSync(f, 'utf8').split('\n')) {
        if (!raw) continue;
        try {
          out.push(JSON.parse(raw) as LogLine);
        } catch {
          /* a torn last line after a crash */
        }
      }
    }
    return out;
  }
}

export interface ReadLogsOptions {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  timestamps: boolean;
  /** Number of lines from the end, or 'all'. */
  tail: number | 'all';
  /** Unix seconds (fractional allowed); 0 = no bound. */
  since: number;
  until: number;
  /** Raw output without stdcopy frames (TTY containers). */
  raw: boolean;
  /** Still running: when false, follow ends after the lines on disk. */
  running: boolean;
}

/** The log as Docker's /logs endpoint streams it. */
export function readLogs(log: JsonFileLog, o: ReadLogsOptions): Readable {
  const out = new PassThrough();
  const want = (l: LogLine) => {
    if (l.stream === 'stdout' && !o.stdout) return false;
    if (l.stream === 'stderr' && !o.stderr) return false;
    const t = Date.parse(l.time) / 1000;
    if (o.since && t < o.since) return false;
    if (o.until && t > o.until) return false;
    return true;
  };
  const render = (l: LogLine) => {
    const payload = Buffer.from(o.timestamps ? `${l.time} ${l.log}` : l.log);
    return o.raw ? payload : stdcopyFrame(l.stream, payload);
  };
  let lines = log.readAll().filter(want);
  if (o.tail !== 'all') lines = o.tail === 0 ? [] : lines.slice(-o.tail);
  for (const l of lines) out.write(render(l));
  if (!o.follow || !o.running) {
    out.end();
    return out;
  }
  const onLine = (l: LogLine) => {
    if (want(l)) out.write(render(l));
  };
  const onClose = () => finish();
  const finish = () => {
    log.off('line', onLine);
    log.off('close', onClose);
    out.end();
  };
  log.on('line', onLine);
  log.once('close', onClose);
  out.on('close', () => {
    log.off('line', onLine);
    log.off('close', onClose);
  });
  return out;
}
