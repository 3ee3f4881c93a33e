import fs from 'node:fs/promises';
import { InternalError } from '../../src/api';
import { IpBatch } from './ip-batch';
import { runChecked, runCommand } from './run-command';

/** Where iproute2 keeps named namespaces, so `ip netns exec NAME` works for operators. */
export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

/** Shared by every namespace of this process: one helper, however many daemons' networks. */
const batch = new IpBatch();

/** Ends the shared helper (requests under way fail); the next namespace command starts another. */
export function closeNetnsHelper(): void {
  batch.close();
}

/** Creates a named network namespace with its loopback up. */
export async function createNetns(name: string): Promise<string> {
  // Names carry the daemon's bridge name, so one left here is ours, from a crash mid-create.
  if (await netnsExists(name)) await deleteNetns(name);
  if (!IpBatch.safe([name])) {
    await runChecked('ip', ['netns', 'add', name]);
    try {
      await runChecked('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    } catch (e) {
      await deleteNetns(name);
      throw e;
    }
    return netnsPath(name);
  }
  // A batch line cannot take -n: `netns exec` forks from the helper, not from this process.
  const [add, lo] = await batch.run([
    ['netns', 'add', name],
    ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'],
  ]);
  if (add !== null) throw new InternalError(`ip netns add ${name} failed: ${add.trim()}`);
  if (lo !== null) {
    await deleteNetns(name);
    throw new InternalError(`ip -n ${name} link set lo up failed: ${lo.trim()}`);
  }
  return netnsPath(name);
}

/** Removes a named namespace; a missing one is fine. */
export async function deleteNetns(name: string): Promise<void> {
  let failed: string | null;
  if (IpBatch.safe([name])) [failed] = await batch.run([['netns', 'delete', name]]);
  else {
    const r = await runCommand('ip', ['netns', 'delete', name]);
    failed = r.code === 0 ? null : r.stderr;
  }
  if (failed !== null && (await netnsExists(name))) {
    throw new Error(`ip netns delete ${name} failed: ${failed.trim()}`);
  }
  // `ip netns delete` leaves the mount-point file behind when the mount was already gone.
  await fs.rm(netnsPath(name), { force: true });
}

/** True when the name is still a mounted namespace (a reboot empties /run; a stray file is not one). */
export async function netnsExists(name: string): Promise<boolean> {
  const target = netnsPath(name);
  let mountinfo: string;
  try {
    mountinfo = await fs.readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  return mountinfo.split('\n').some((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return f[4] === target && sep > 0 && f[sep + 1] === 'nsfs';
  });
}
