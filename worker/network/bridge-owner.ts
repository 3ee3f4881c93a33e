import fs from 'node:fs/promises';
import path from 'node:path';
import { ConflictError } from '../../src/api';

/** Where daemons note which data root drives which bridge (tmpfs: a reboot forgets, as it should). */
export const BRIDGE_OWNERS_DIR = '/run/tsswarm/bridges';

interface Owner {
  dataRoot: string;
  pid: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a bridge for a data root. Two live daemons with different data roots on one bridge
 * would hand out the same addresses from separate IPAM stores, so the second is refused.
 */
export async function claimBridge(bridgeName: string, dataRoot: string, dir = BRIDGE_OWNERS_DIR): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${bridgeName}.json`);
  const me = path.resolve(dataRoot);
  try {
    const owner = JSON.parse(await fs.readFile(file, 'utf8')) as Owner;
    if (owner.dataRoot !== me && alive(owner.pid)) {
      throw new ConflictError(
        `bridge ${bridgeName} is in use by the daemon with data root ${owner.dataRoot} (pid ${owner.pid}); give this daemon another bridge name`,
      );
    }
  } catch (e) {
    if (e instanceof ConflictError) throw e;
  }
  await fs.writeFile(file, JSON.stringify({ dataRoot: me, pid: process.pid } satisfies Owner));
}

/** Gives the bridge up if this data root holds it. */
export async function releaseBridge(bridgeName: string, dataRoot: string, dir = BRIDGE_OWNERS_DIR): Promise<void> {
  const file = path.join(dir, `${bridgeName}.json`);
  try {
    const owner = JSON.parse(await fs.readFile(file, 'utf8')) as Owner;
    if (owner.dataRoot === path.resolve(dataRoot)) await fs.rm(file, { force: true });
  } catch {
    // nothing claimed
  }
}
