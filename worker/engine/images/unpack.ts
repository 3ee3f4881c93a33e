import { randomBytes } from 'node:crypto';
import { InternalError } from '../../../src/api';
import { isAlreadyExists, type ContainerdClient, type Descriptor } from '../containerd';
import { chainIds } from './chain-id';

/** GC labels a manifest carries so that containerd keeps its config and layers while it lives. */
export function manifestGcLabels(manifest: {
  config: { digest: string };
  layers: Array<{ digest: string }>;
}): Record<string, string> {
  const labels: Record<string, string> = { 'containerd.io/gc.ref.content.config': manifest.config.digest };
  manifest.layers.forEach((l, i) => (labels[`containerd.io/gc.ref.content.l.${i}`] = l.digest));
  return labels;
}

/**
 * Unpacks layers into committed snapshots named by chain id, bottom up, skipping those that
 * exist; returns the top chain id. Each layer must be in the content store once `layerReady(i)`
 * resolves (default: all already are), so that a pull applies a layer as soon as it and its
 * parents are there, while the layers above still download; its snapshot is prepared before. Call with a leased client so new
 * snapshots survive GC until the config's gc.ref.snapshot label references the top one.
 */
export async function unpackLayers(
  leased: ContainerdClient,
  snapshotter: string,
  layers: Descriptor[],
  diffIds: string[],
  onLayer?: (index: number, skipped: boolean) => void,
  layerReady?: (index: number) => Promise<void>,
): Promise<string> {
  if (layers.length !== diffIds.length)
    throw new InternalError(`image has ${layers.length} layers but its config lists ${diffIds.length} diff ids`);
  const snaps = leased.snapshotter(snapshotter);
  const chain = chainIds(diffIds);
  // Which snapshots exist is asked once for all layers, while the first still downloads: it is
  // then no round trip between a layer's download and its apply. One committed meanwhile by a
  // concurrent pull makes the prepare below fail with 409, handled there.
  const existing = await Promise.all(chain.map((c) => snaps.exists(c)));
  for (let i = 0; i < layers.length; i++) {
    if (existing[i]) {
      await layerReady?.(i);
      onLayer?.(i, true);
      continue;
    }
    // Prepared as soon as the parent is committed, while the layer may still download.
    const key = `extract-${randomBytes(6).toString('hex')}-${chain[i]}`;
    const mounts = await snaps.prepare(key, i === 0 ? '' : chain[i - 1]);
    try {
      await layerReady?.(i);
      const applied = await leased.diff.apply(
        { mediaType: layers[i].mediaType, digest: layers[i].digest, size: layers[i].size },
        mounts,
      );
      if (applied.digest !== diffIds[i])
        throw new InternalError(
          `layer ${layers[i].digest} unpacks to ${applied.digest}, but the image config says ${diffIds[i]}`,
        );
      await snaps.commit(chain[i], key);
    } catch (err) {
      await snaps.remove(key).catch(() => undefined);
      // Another pull of the same layer may have committed it first.
      if (isAlreadyExists(err) && (await snaps.exists(chain[i]))) {
        onLayer?.(i, true);
        continue;
      }
      throw err;
    }
    onLayer?.(i, false);
  }
  return chain[chain.length - 1] ?? '';
}
