import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { InternalError } from '../../src/api';
import { endWithProcess } from '../../src/util';

/** What one line of a batch did: null when it succeeded, else what `ip` said about it. */
export type LineResult = string | null;

interface Pending {
  /** Line numbers (1-based, counted over the helper's whole life) of this request's commands. */
  first: number;
  sentinel: number;
  errors: Map<number, string>;
  resolve(r: LineResult[]): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** A line `ip` does not know: it always fails, and its failure marks the end of a request. */
const SENTINEL = 'tsswarm-batch-end';
const FAILED = /^Command failed -:(\d+)$/;
/** What `ip -batch` splits on or treats specially; such arguments go through a process of their own. */
const UNSAFE = /[\s"'\\#]/;

/**
 * One long-lived `ip -force -batch -` that runs netns commands for the whole daemon. Each spawn
 * from node blocks its event loop until the child has exec'd (12-50 ms on a loaded host); this
 * way a container's namespace costs no spawn at all. `ip` flushes nothing to say a line
 * succeeded, so every request ends with a line that always fails: stderr is unbuffered and each
 * failure names its line, which tells both which commands failed and when the request is done.
 */
export class IpBatch {
  private child?: ChildProcessWithoutNullStreams;
  private line = 0;
  private stderr = '';
  private message: string[] = [];
  private readonly pending: Pending[] = [];

  constructor(
    private readonly binary = 'ip',
    private readonly timeoutMs = 60_000,
  ) {}

  /** True when every argument can be written on a batch line as it is. */
  static safe(args: string[]): boolean {
    return args.every((a) => a.length > 0 && !UNSAFE.test(a));
  }

  /** Runs commands (each the arguments after `ip`), in order, failures not stopping the next. */
  run(commands: string[][]): Promise<LineResult[]> {
    for (const c of commands)
      if (!IpBatch.safe(c)) throw new InternalError(`ip -batch cannot carry the arguments ${JSON.stringify(c)}`);
    const child = this.start();
    const first = this.line + 1;
    this.line += commands.length + 1;
    return new Promise<LineResult[]>((resolve, reject) => {
      const p: Pending = {
        first,
        sentinel: this.line,
        errors: new Map(),
        resolve,
        reject,
        timer: setTimeout(() => this.fail(child, new InternalError('ip -batch helper did not answer')), this.timeoutMs),
      };
      if (this.pending.push(p) === 1) this.setRef(child, true);
      child.stdin.write(`${[...commands.map((c) => c.join(' ')), SENTINEL].join('\n')}\n`);
    });
  }

  /** Ends the helper; requests under way fail. */
  close(): void {
    if (this.child) this.fail(this.child, new InternalError('ip -batch helper closed'));
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.binary, ['-force', '-batch', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    }) as never as ChildProcessWithoutNullStreams;
    this.child = child;
    endWithProcess(child);
    this.line = 0;
    this.stderr = '';
    this.message = [];
    child.stdin.on('error', () => undefined);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => this.onStderr(s));
    child.on('error', (e) => this.fail(child, new InternalError(`cannot run ${this.binary}: ${e.message}`)));
    child.on('exit', (code, signal) =>
      this.fail(child, new InternalError(`ip -batch helper ended (${signal ?? `exit ${code}`})`)),
    );
    // Idle, it must not keep the process alive (tests, a daemon on its way out).
    this.setRef(child, false);
    return child;
  }

  private setRef(child: ChildProcessWithoutNullStreams, on: boolean): void {
    const handles = [child, child.stdin, child.stderr] as Array<{ ref?(): void; unref?(): void }>;
    for (const h of handles) (on ? h.ref : h.unref)?.call(h);
  }

  private onStderr(s: string): void {
    this.stderr += s;
    let nl: number;
    while ((nl = this.stderr.indexOf('\n')) >= 0) {
      const text = this.stderr.slice(0, nl);
      this.stderr = this.stderr.slice(nl + 1);
      const m = FAILED.exec(text);
      if (!m) {
        this.message.push(text);
        continue;
      }
      const n = Number(m[1]);
      const said = this.message.join('\n');
      this.message = [];
      const p = this.pending[0];
      if (!p) continue;
      if (n !== p.sentinel) {
        p.errors.set(n, said || 'failed');
        continue;
      }
      this.pending.shift();
      clearTimeout(p.timer);
      if (this.pending.length === 0 && this.child) this.setRef(this.child, false);
      const out: LineResult[] = [];
      for (let i = p.first; i < p.sentinel; i++) out.push(p.errors.get(i) ?? null);
      p.resolve(out);
    }
  }

  private fail(child: ChildProcessWithoutNullStreams, err: Error): void {
    if (this.child !== child) return;
    this.child = undefined;
    child.kill('SIGKILL');
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
