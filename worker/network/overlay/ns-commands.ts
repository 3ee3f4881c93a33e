import { InternalError } from '../../../src/api';
import { runCommand } from '../run-command';

/** A namespace by its `ip netns` name; null is the daemon's own. */
export type NsName = string | null;

function nsArgs(ns: NsName): string[] {
  return ns === null ? [] : ['-n', ns];
}

/**
 * Runs lines (each the arguments after the program) through one `ip|bridge [-n NS] -force
 * -batch -`: one process per namespace and change, however many entries. With `tolerant`,
 * failing lines (a delete of what is already gone) are not an error.
 */
export async function batchIn(
  program: 'ip' | 'bridge',
  ns: NsName,
  lines: readonly string[][],
  tolerant = false,
): Promise<void> {
  if (!lines.length) return;
  const input = `${lines.map((l) => l.join(' ')).join('\n')}\n`;
  const r = await runCommand(program, [...nsArgs(ns), '-force', '-batch', '-'], { input });
  if (r.code !== 0 && !tolerant)
    throw new InternalError(`${program} -batch in ${ns ?? 'the host namespace'} failed: ${r.stderr.trim()}`);
}

/** `ip -j ...` (or `bridge -j ...`) in a namespace, parsed; [] when the object is not there. */
export async function readJson<T>(program: 'ip' | 'bridge', ns: NsName, args: string[]): Promise<T[]> {
  const r = await runCommand(program, [...nsArgs(ns), '-j', ...args]);
  if (r.code !== 0 || !r.stdout.trim()) return [];
  return JSON.parse(r.stdout) as T[];
}

/**
 * One process in a namespace: shell commands (checked values only: addresses, interface
 * names), then `nft -f` of a text when there is one, then the `after` commands.
 */
export async function inNetns(
  ns: string,
  shell: readonly string[],
  nft: string | null,
  after: readonly string[] = [],
): Promise<void> {
  const steps = [...shell, ...(nft !== null ? ['nft -f -'] : []), ...after];
  if (!steps.length) return;
  const argv =
    steps.length === 1 && nft !== null
      ? ['netns', 'exec', ns, 'nft', '-f', '-']
      : ['netns', 'exec', ns, '/bin/sh', '-c', steps.join(' && ')];
  const r = await runCommand('ip', argv, { input: nft ?? '' });
  if (r.code !== 0) throw new InternalError(`in ${ns}: ${steps.join(' && ')} failed: ${r.stderr.trim()}`);
}
