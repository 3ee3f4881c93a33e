/**
 * What the container tier stands on: a private containerd, a client in its own namespace, a data
 * root and a network manager with its own bridge. Stopping removes the service's containers first,
 * so that nothing holds the bridge or the snapshots.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ContainerdClient } from '../../../worker/engine/containerd';
import type { ContainerService } from '../../../worker/engine/containers';
import { NetworkManager } from '../../../worker/network';
import { startTestContainerd, type TestContainerd } from '../../support/containerd';

export interface ContainerStack {
  ctd: TestContainerd;
  client: ContainerdClient;
  dataRoot: string;
  network: NetworkManager;
}

export async function startContainerStack(o: {
  namespace: string;
  dataPrefix: string;
  bridgeName: string;
  subnet: string;
}): Promise<ContainerStack> {
  const ctd = await startTestContainerd();
  const client = await ContainerdClient.connect(ctd.address, { namespace: o.namespace });
  const dataRoot = mkdtempSync(path.join(tmpdir(), o.dataPrefix));
  const network = new NetworkManager({ dataRoot, bridgeName: o.bridgeName, subnet: o.subnet });
  await network.start();
  return { ctd, client, dataRoot, network };
}

/** Tears down what started; every part may be missing (a before hook that failed midway). */
export async function stopContainerStack(s: Partial<ContainerStack>, svc?: ContainerService): Promise<void> {
  if (svc) {
    for (const c of svc.list({ all: true })) await svc.remove(c.Id as string, { force: true }).catch(() => undefined);
    await svc.close();
  }
  await s.network?.teardown?.().catch(() => undefined);
  await s.network?.stop?.();
  s.client?.close();
  await s.ctd?.stop();
  if (s.dataRoot) rmSync(s.dataRoot, { recursive: true, force: true });
}
