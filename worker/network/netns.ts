import fs from 'node:fs/promises';
import { runChecked, runCommand } from './run-command';

/** Where iproute2 keeps named namespaces, so `ip netns exec NAME` works for operators. */
export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

/** Creates a named network namespace with its loopback up. */
export async function createNetns(name: string): Promise<string> {
  // Names carry the daemon's bridge name, so one left here is ours, from a crash mid-create.
  if (await netnsExists(name)) await deleteNetns(name);
  await runChecked('ip', ['netns', 'add', name]);
  try {
    await runChecked('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    await deleteNetns(name);
    throw e;
  }
  return netnsPath(name);
}

/** Removes a named namespace; a missing one is fine. */
export async function deleteNetns(name: string): Promise<void> {
  const r = await runCommand('ip', ['netns', 'delete', name]);
  if (r.code !== 0 && (await netnsExists(name))) {
    throw new Error(`ip netns delete ${name} failed: ${r.stderr.trim()}`);
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
