import type { ChildProcess } from 'node:child_process';

/**
 * Kills a helper child when this process exits. A helper reading its stdin would end at EOF once
 * we are gone, but only when the kernel gets round to it; whoever waits on our exit (a test
 * runner, a supervisor) would see it outlive us.
 */
export function endWithProcess(child: ChildProcess): void {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}
