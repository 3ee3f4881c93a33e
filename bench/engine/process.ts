import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmdirSync } from 'node:fs';
import * as path from 'node:path';
import { isAlive, mountsUnder } from './procfs';

/**
 * Starts a daemon in its own process group (so a Ctrl-C at the terminal reaches the bench, which
 * then stops it in order, and not the daemon directly), output appended to `logFile`.
 */
export function spawnDaemon(cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
  } finally {
    closeSync(fd);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM to one PID, SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopPid(pid: number | undefined, graceMs = 15_000): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    process.stderr.write(`bench: pid ${pid} ignored SIGTERM for ${graceMs} ms: SIGKILL\n`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    while (isAlive(pid)) await sleep(50);
  }
}

/** Unmounts (lazily, deepest first) whatever is still mounted under `dir`. */
export function unmountUnder(dir: string): void {
  for (const mp of mountsUnder(dir)) {
    const r = spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
    if (r.status !== 0) process.stderr.write(`bench: could not unmount ${mp}\n`);
  }
}

/** Removes a cgroup called `name` (with its empty children) from every hierarchy under /sys/fs/cgroup. */
export function removeCgroup(name: string): void {
  const roots = ['/sys/fs/cgroup'];
  for (const d of readdirSync('/sys/fs/cgroup', { withFileTypes: true }))
    if (d.isDirectory()) roots.push(path.join('/sys/fs/cgroup', d.name));
  const rmTree = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) rmTree(path.join(dir, d.name));
    try {
      rmdirSync(dir);
    } catch (e) {
      process.stderr.write(`bench: could not remove cgroup ${dir}: ${(e as Error).message}\n`);
    }
  };
  for (const r of roots) {
    const dir = path.join(r, name);
    if (existsSync(dir)) rmTree(dir);
  }
}

/** On SIGINT, SIGTERM or SIGHUP: runs `cleanup` (what the bench started), then exits 130. */
export function cleanupOnSignals(cleanup: () => Promise<void>): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`bench: ${sig}: stopping everything it started\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}
