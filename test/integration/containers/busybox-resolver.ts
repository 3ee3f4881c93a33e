import { NotFoundError } from '../../../src/api';
import { digestOf, type ContainerdClient } from '../../../worker/engine/containerd';
import type { ImageResolver } from '../../../worker/engine/containers';
import { busyboxLayerTar } from '../../support/busybox-layer';

/**
 * Unpacks the busybox test layer into a committed snapshot and resolves every image name to it,
 * so the container tier stands on containerd alone.
 */
export async function busyboxResolver(client: ContainerdClient): Promise<ImageResolver> {
  const layer = await busyboxLayerTar();
  const digest = digestOf(layer);
  // A single uncompressed layer: its chain id is its diff id, the digest of the tar.
  const chainId = digest;
  if (!(await client.snapshots.exists(chainId))) {
    await client.withLease(async (leased) => {
      await leased.content.write({ digest, size: layer.length }, layer);
      const key = `extract-${Date.now()}`;
      const mounts = await leased.snapshots.prepare(key, '');
      await leased.diff.apply(
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: layer.length },
        mounts,
      );
      await leased.snapshots.commit(chainId, key, { 'containerd.io/gc.root': new Date().toISOString() });
    });
  }
  return {
    async resolveForRun(ref: string) {
      if (ref.startsWith('missing')) throw new NotFoundError('image', ref);
      return {
        id: `sha256:${'b'.repeat(64)}`,
        name: ref,
        chainId,
        snapshotter: 'overlayfs',
        config: { config: { Cmd: ['sh'], Env: ['PATH=/bin'], Labels: { from: 'image' } } },
      };
    },
  };
}
