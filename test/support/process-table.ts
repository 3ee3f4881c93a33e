/** The machine's process table, read from /proc, for tests that clean up what they started. */
import { readdirSync, readFileSync } from 'node:fs';

export interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
  /** The kernel's one-letter state: Z is a process that has ended and waits for its parent to reap it. */
  state: string;
}

export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(name), ppid: Number(ppid), cmd, state });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** The processes under `root`, deepest first, so that a parent cannot respawn what was killed. */
export function descendants(root: number, procs = processes()): Proc[] {
  const out: Proc[] = [];
  const visit = (pid: number): void => {
    for (const p of procs) {
      if (p.ppid !== pid) continue;
      visit(p.pid);
      out.push(p);
    }
  };
  visit(root);
  return out;
}

/** SIGKILL by PID; a process already gone is not an error. */
export function killAll(procs: readonly Proc[]): void {
  for (const p of procs) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
