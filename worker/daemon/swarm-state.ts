/**
 * This node's swarm membership on disk, `<data-root>/swarm/`: `state.json` (node and cluster
 * ids, role, raft id, addresses, the last known managers), `certificates/` (key, certificate,
 * root CA) and `raft/` (WAL and snapshots, managers only). A restart resumes from these.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NodeRole } from '../../src/api';
import type { ManagerPeer } from '../../src/rpc';

export interface SwarmState {
  nodeId: string;
  clusterId: string;
  role: NodeRole;
  raftId?: number;
  /** Cluster port listen address (host:port). */
  listenAddr: string;
  /** The address others reach this node at (host:port). */
  advertiseAddr: string;
  managers: ManagerPeer[];
}

export function swarmPaths(dataRoot: string): { dir: string; state: string; certs: string; raft: string } {
  const dir = path.join(dataRoot, 'swarm');
  return {
    dir,
    state: path.join(dir, 'state.json'),
    certs: path.join(dir, 'certificates'),
    raft: path.join(dir, 'raft'),
  };
}

export async function loadSwarmState(dataRoot: string): Promise<SwarmState | undefined> {
  try {
    return JSON.parse(await fs.readFile(swarmPaths(dataRoot).state, 'utf8')) as SwarmState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes state.json atomically (temp file, fsync, rename). */
export async function saveSwarmState(dataRoot: string, state: SwarmState): Promise<void> {
  const p = swarmPaths(dataRoot);
  await fs.mkdir(p.dir, { recursive: true, mode: 0o700 });
  const tmp = `${p.state}.tmp-${process.pid}`;
  const h = await fs.open(tmp, 'w', 0o600);
  try {
    await h.writeFile(JSON.stringify(state, null, 2));
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, p.state);
}

/** Forgets the swarm: state, certificates and raft data. */
export async function removeSwarmState(dataRoot: string): Promise<void> {
  await fs.rm(swarmPaths(dataRoot).dir, { recursive: true, force: true });
}
