import { readFileSync, readdirSync } from 'node:fs';

/** VmRSS of a process in KiB, or undefined when it is gone. */
export function vmRssKb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0: it has exited.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The command line of a process as its arguments, or [] when it is gone. */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
}

function ppid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Direct children of `parent`. */
export function childrenOf(parent: number): number[] {
  return pids().filter((p) => ppid(p) === parent);
}

/** Direct children of `parent` whose executable's base name is `name`. */
export function childrenNamed(parent: number, name: string): number[] {
  return pids().filter((p) => ppid(p) === parent && (cmdline(p)[0] ?? '').split('/').pop() === name);
}

/**
 * The containerd shims serving the containerd whose socket path starts with `addressPrefix`
 * (a shim's command line carries `-address <containerd socket>`).
 */
export function shimsOf(addressPrefix: string): number[] {
  return pids().filter((p) => {
    const c = cmdline(p);
    if (!(c[0] ?? '').includes('containerd-shim')) return false;
    const i = c.indexOf('-address');
    return i >= 0 && (c[i + 1] ?? '').startsWith(addressPrefix);
  });
}

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && (mp === dir || mp.startsWith(`${dir}/`))) out.push(mp.replace(/\\040/g, ' '));
  }
  return out.sort((a, b) => b.length - a.length);
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time of a process in ms: its own (user + system) and that of its children it has reaped
 * (tsswarmd's `ip` and `mkfifo` runs; not the shims, which containerd detaches).
 */
export function cpuMs(pid: number | undefined): { self: number; children: number } {
  if (!pid) return { self: 0, children: 0 };
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state(3) ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based fields.
    const t = (i: number) => (Number(f[i - 3]) * 1000) / USER_HZ;
    return { self: t(14) + t(15), children: t(16) + t(17) };
  } catch {
    return { self: 0, children: 0 };
  }
}
