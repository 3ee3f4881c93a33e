import { chmodSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ContainerdSupervisor } from '../../worker/engine/containerd';
import { NetworkManager } from '../../worker/network';
import type { BenchDaemon } from './bench-daemon';
import { EngineClient } from './engine-client';
import { removeCgroup, sleep, spawnDaemon, stopPid, unmountUnder } from './process';
import { childrenNamed, shimsOf } from './procfs';

/** The compiled daemon entry, found from this file's place in the same build (dist/ or another outDir). */
export const TSSWARMD_ENTRY = path.resolve(__dirname, '..', '..', 'worker', 'daemon', 'main.js');

/**
 * How package.json's bin runs the entry: executed, so that its shebang (node and the flags the
 * daemon runs with) applies; npm makes a bin executable when it links it, a build does not.
 * This node is the one the shebang's `env` finds first. Extra node args (--cpu-prof, which
 * NODE_OPTIONS refuses) mean running this node on the entry with the shebang's flags and them.
 */
function binLaunch(nodeArgs: string[]): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  };
  if (!nodeArgs.length) {
    chmodSync(TSSWARMD_ENTRY, statSync(TSSWARMD_ENTRY).mode | 0o111);
    return { file: TSSWARMD_ENTRY, args: [], env };
  }
  const shebang = readFileSync(TSSWARMD_ENTRY, 'utf8').split('\n', 1)[0];
  const words = shebang
    .replace(/^#!\/usr\/bin\/env\s+(-S\s+)?/, '')
    .split(/\s+/)
    .filter(Boolean);
  // env's NAME=VALUE words, then node, then its flags.
  while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const w = words.shift()!;
    env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  }
  if (words.shift() !== 'node') throw new Error(`${TSSWARMD_ENTRY}: unexpected shebang ${shebang}`);
  return { file: process.execPath, args: [...words, ...nodeArgs, TSSWARMD_ENTRY], env };
}

/**
 * tsswarmd (the compiled worker/daemon/main.js, in its own node process) with everything of its
 * own: data root under `dir`, socket, its own supervised containerd, a bridge and subnet no other
 * daemon uses (the containers run with NetworkMode none, so they never join it) and its
 * containers' cgroups under `cgroupParent`.
 */
export async function startTsswarmd(
  dir: string,
  cgroupParent: string,
  o: { bridgeName: string; subnet: string; nodeArgs?: string[]; daemonArgs?: string[] },
): Promise<BenchDaemon> {
  const dataRoot = path.join(dir, 'data');
  const socket = path.join(dir, 'tsswarm.sock');
  const supervisorPaths = new ContainerdSupervisor({ dataRoot });
  const launch = binLaunch(o.nodeArgs ?? []);
  const child = spawnDaemon(
    launch.file,
    [
      ...launch.args,
      '--data-root',
      dataRoot,
      '-H',
      `unix://${socket}`,
      '--bridge-name',
      o.bridgeName,
      '--bip',
      o.subnet,
      '--cgroup-parent',
      cgroupParent,
      ...(o.daemonArgs ?? []),
    ],
    path.join(dir, 'tsswarmd.log'),
    launch.env,
  );
  const pid = child.pid!;
  const client = new EngineClient(socket);
  const d: BenchDaemon = {
    name: 'tsswarmd',
    client,
    pid,
    containerdPid: () => childrenNamed(pid, 'containerd')[0],
    shimAddressPrefix: supervisorPaths.stateDir,
    async stop() {
      const ctd = d.containerdPid();
      client.close();
      // SIGTERM stops tsswarmd and its containerd; containers (the bench removed them) would stay.
      await stopPid(pid);
      await stopPid(ctd);
      // The shims it leaves (it keeps containers across restarts) find no containerd now: the
      // bench removed its containers, so what is left serves none.
      await Promise.all(shimsOf(supervisorPaths.stateDir).map((p) => stopPid(p, 2000)));
      // What `Daemon.stop({ teardown: true })` removes: the bridge, its FORWARD rules, containerd's state dir.
      await new NetworkManager({ dataRoot, bridgeName: o.bridgeName, subnet: o.subnet })
        .teardown()
        .catch((e: Error) => process.stderr.write(`bench: tsswarmd network teardown: ${e.message}\n`));
      unmountUnder(supervisorPaths.stateDir);
      rmSync(supervisorPaths.stateDir, { recursive: true, force: true });
      unmountUnder(dir);
      removeCgroup(cgroupParent);
    },
  };
  for (let i = 0; i < 300; i++) {
    if (await client.ping()) return d;
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  await d.stop();
  throw new Error(`tsswarmd did not answer on ${socket}; see ${path.join(dir, 'tsswarmd.log')}`);
}
