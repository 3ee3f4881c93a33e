import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EngineClient } from './engine-client';
import { spawnDaemon, sleep, stopPid, removeCgroup, unmountUnder } from './process';
import { childrenNamed } from './procfs';
import type { BenchDaemon } from './bench-daemon';

/**
 * Debian's dockerd with everything of its own under `dir`: data root, exec root, socket, pidfile,
 * config file (empty: the host's /etc/docker/daemon.json is not read) and the containerd it starts
 * itself when given no --containerd. No default bridge and no iptables: the containers run with
 * NetworkMode none. Its containers' cgroups go under `cgroupParent`.
 */
export async function startDocker(dir: string, cgroupParent: string): Promise<BenchDaemon> {
  const socket = path.join(dir, 'docker.sock');
  const execRoot = path.join(dir, 'x');
  writeFileSync(path.join(dir, 'daemon.json'), '{}\n');
  const child = spawnDaemon(
    'dockerd',
    [
      '--config-file',
      path.join(dir, 'daemon.json'),
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      execRoot,
      '-H',
      `unix://${socket}`,
      '--pidfile',
      path.join(dir, 'docker.pid'),
      '--bridge',
      'none',
      '--iptables=false',
      '--ip-masq=false',
      '--cgroup-parent',
      cgroupParent,
    ],
    path.join(dir, 'dockerd.log'),
  );
  const pid = child.pid!;
  const client = new EngineClient(socket);
  const d: BenchDaemon = {
    name: 'docker',
    client,
    pid,
    containerdPid: () => childrenNamed(pid, 'containerd')[0],
    shimAddressPrefix: execRoot,
    async stop() {
      const ctd = d.containerdPid();
      client.close();
      await stopPid(pid);
      // dockerd stops its containerd; should it not have, that PID is ours to stop.
      await stopPid(ctd);
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
  throw new Error(`dockerd did not answer on ${socket}; see ${path.join(dir, 'dockerd.log')}`);
}
