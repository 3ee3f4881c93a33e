import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CniConflist } from './bridge-conflist';
import type { CniResult } from './cni-runner';
import type { PublishedPort } from './port-bindings';

/**
 * What the daemon must remember about a sandbox to find, report and release it after a restart.
 * `creating` and `releasing` mark work that a crash may have cut short: start() finishes it.
 */
export interface SandboxRecord {
  containerId: string;
  containerName: string;
  hostname?: string;
  state: 'creating' | 'ready' | 'releasing';
  /** Name and id of the network joined. */
  network: string;
  networkId: string;
  /** Named namespace (ip netns) or null for the host's, or for the runtime's (runtimeNetns). */
  netnsName: string | null;
  /** Network none in a namespace the runtime makes with the container (only lo), no named one. */
  runtimeNetns?: boolean;
  /** The exact conflist ADD ran with, so DEL matches it even if the daemon's options change. */
  conflist: CniConflist | null;
  cniResult: CniResult | null;
  published: PublishedPort[];
  exposed: string[];
  endpointId: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
}

/** One JSON file per sandbox under <dataRoot>/network/sandboxes, replaced atomically. */
export class SandboxStore {
  constructor(private readonly dir: string) {}

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  async save(rec: SandboxRecord): Promise<void> {
    const file = this.file(rec.containerId);
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(rec, null, 1));
    await fs.rename(tmp, file);
  }

  async remove(containerId: string): Promise<void> {
    await fs.rm(this.file(containerId), { force: true });
  }

  /** Every stored record; unreadable files are reported through `onBad` and skipped. */
  async loadAll(onBad: (file: string, err: unknown) => void): Promise<SandboxRecord[]> {
    const out: SandboxRecord[] = [];
    for (const name of await fs.readdir(this.dir)) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        await fs.rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(await fs.readFile(file, 'utf8')) as SandboxRecord);
      } catch (e) {
        onBad(file, e);
      }
    }
    return out;
  }

  private file(containerId: string): string {
    return path.join(this.dir, `${containerId}.json`);
  }
}
