import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { InternalError } from '../../../src/api';
import { endWithProcess, shQuote } from '../../../src/util';

type Shell = ChildProcessByStdio<Writable, Readable, null>;

interface Pending {
  n: number;
  output: string[];
  resolve(): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const DONE = /^tsswarm-done (\d+) (\d+)$/;

/**
 * One long-lived sh that makes the FIFOs of every container and exec. Node has no mkfifo, and a
 * spawn from the daemon costs ~38 ms of its CPU (forking a 100 MB process) and blocks its event
 * loop until the child has exec'd; a fork of a small shell costs neither. Each request is a
 * line ending in an echo of its number and mkfifo's status; mkfifo's messages come before it.
 */
export class FifoHelper {
  private child?: Shell;
  private seq = 0;
  private stdout = '';
  private readonly pending: Pending[] = [];

  constructor(private readonly timeoutMs = 60_000) {}

  /** mkfifo -m 0600 for each file; throws with mkfifo's message when it fails. */
  make(files: string[]): Promise<void> {
    const child = this.start();
    const n = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      const p: Pending = {
        n,
        output: [],
        resolve,
        reject,
        timer: setTimeout(() => this.fail(child, new InternalError('mkfifo helper did not answer')), this.timeoutMs),
      };
      if (this.pending.push(p) === 1) this.setRef(child, true);
      child.stdin.write(`mkfifo -m 0600 ${files.map(shQuote).join(' ')} 2>&1; echo "tsswarm-done ${n} $?"\n`);
    });
  }

  /** Ends the shell; requests under way fail. The next make starts another. */
  close(): void {
    if (this.child) this.fail(this.child, new InternalError('mkfifo helper closed'));
  }

  private start(): Shell {
    if (this.child) return this.child;
    const [file, args] = shellCommand();
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    endWithProcess(child);
    this.stdout = '';
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => this.onStdout(s));
    child.on('error', (e) => this.fail(child, new InternalError(`cannot run ${file}: ${e.message}`)));
    child.on('exit', (code, signal) =>
      this.fail(child, new InternalError(`mkfifo helper ended (${signal ?? `exit ${code}`})`)),
    );
    // Idle, it must not keep the process alive (tests, a daemon on its way out).
    this.setRef(child, false);
    return child;
  }

  private setRef(child: Shell, on: boolean): void {
    for (const h of [child, child.stdin, child.stdout] as Array<{ ref?(): void; unref?(): void }>)
      (on ? h.ref : h.unref)?.call(h);
  }

  private onStdout(s: string): void {
    this.stdout += s;
    let nl: number;
    while ((nl = this.stdout.indexOf('\n')) >= 0) {
      const text = this.stdout.slice(0, nl);
      this.stdout = this.stdout.slice(nl + 1);
      const p = this.pending[0];
      if (!p) continue;
      const m = DONE.exec(text);
      if (!m || Number(m[1]) !== p.n) {
        p.output.push(text);
        continue;
      }
      this.pending.shift();
      clearTimeout(p.timer);
      if (this.pending.length === 0 && this.child) this.setRef(this.child, false);
      if (m[2] === '0') p.resolve();
      else p.reject(new InternalError(`mkfifo failed (exit ${m[2]}): ${p.output.join('\n').trim()}`));
    }
  }

  private fail(child: Shell, err: Error): void {
    if (this.child !== child) return;
    this.child = undefined;
    child.kill('SIGKILL');
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}

/**
 * busybox's sh when there is one: it runs mkfifo as an applet in a fork of itself, without the
 * exec (and the dynamic loading) of /usr/bin/mkfifo that a plain sh does for every container.
 */
function shellCommand(): [string, string[]] {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((f) => existsSync(f));
  return busybox ? [busybox, ['sh', '-s']] : ['/bin/sh', ['-s']];
}

/** Shared by every container and exec of this process. */
export const fifoHelper = new FifoHelper();
