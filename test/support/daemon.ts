import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NotFoundError } from '../../src/api';
import type { ImageBackend } from '../../worker/api';
import { ContainerdSupervisor, type ContainerdClient } from '../../worker/engine/containerd';
import type { ImageResolver } from '../../worker/engine/containers';
import { Daemon, type ImagesFactory } from '../../worker/daemon/daemon';
import { parseDaemonArgs, type DaemonOptions } from '../../worker/daemon/options';
import { busyboxResolver } from '../integration/containers/busybox-resolver';
import { killLeftoverShims } from './containerd';

export interface TestDaemon {
  daemon: Daemon;
  socket: string;
  dataRoot: string;
  stop(): Promise<void>;
}

/**
 * An image backend whose every name runs the busybox test layer, for tiers that test the
 * containers and the API rather than images (the image tier has its own tests).
 */
export function busyboxImages(): ImagesFactory {
  return ({ client }: { client: ContainerdClient }) => {
    let resolver: Promise<ImageResolver> | undefined;
    const get = () => (resolver ??= busyboxResolver(client));
    const none = async (n: string): Promise<never> => {
      throw new NotFoundError('image', n);
    };
    const backend: ImageBackend & ImageResolver = {
      resolveForRun: async (ref) => (await get()).resolveForRun(ref),
      pull: none,
      push: none,
      load: async () => ({ loaded: [] }),
      save: () => {
        throw new NotFoundError('image', 'none');
      },
      list: async () => [],
      inspect: none,
      tag: async () => undefined,
      remove: async () => [],
      distributionInspect: none,
    };
    return backend;
  };
}

/** A test daemon's options: its data root and socket, and a bridge and cgroup parent of its own. */
export function testDaemonOptions(
  dataRoot: string,
  socket: string,
  own: { bridge: string; bip: string; cgroup: string },
): DaemonOptions {
  return parseDaemonArgs([
    '--data-root',
    dataRoot,
    '-H',
    `unix://${socket}`,
    '--bridge-name',
    own.bridge,
    '--bip',
    own.bip,
    '--cgroup-parent',
    own.cgroup,
  ]) as DaemonOptions;
}

/**
 * A real tsswarmd in this process, with its own containerd, data root, socket, bridge and cgroup
 * parent; `n` keeps the bridges of several test daemons apart.
 */
export async function startTestDaemon(n: number, images: ImagesFactory = busyboxImages()): Promise<TestDaemon> {
  const dataRoot = mkdtempSync(path.join(tmpdir(), 'tsswarm-d-'));
  const socket = path.join(dataRoot, 'tsswarm.sock');
  const opts = testDaemonOptions(dataRoot, socket, {
    bridge: `tswd${n}`,
    bip: `10.232.${n}.0/24`,
    cgroup: `tsswarm-test-${n}`,
  });
  const daemon = new Daemon(opts, images);
  await daemon.start();
  return {
    daemon,
    socket,
    dataRoot,
    async stop() {
      // Remove the containers first, so that nothing holds the bridge or the snapshots.
      const c = (
        daemon as unknown as {
          containers?: { list(o: object): Array<{ Id: string }>; remove(id: string, o: object): Promise<void> };
        }
      ).containers;
      for (const x of c?.list({ all: true }) ?? []) await c!.remove(x.Id, { force: true }).catch(() => undefined);
      await daemon.stop({ teardown: true });
      const supervisor = new ContainerdSupervisor({ dataRoot });
      killLeftoverShims(supervisor.address);
      // A daemon halted without a teardown (and not resumed) left its containerd's state dir.
      rmSync(supervisor.stateDir, { recursive: true, force: true });
      rmSync(dataRoot, { recursive: true, force: true });
    },
  };
}
