import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MediaTypes, parseReference, type RegistryClient, type RegistryCredentials } from '../../worker/registry';
import { busyboxLayerTar, packTar } from './busybox-layer';

export const BUSYBOX_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BuiltImage {
  /** The OCI image config document. */
  config: Record<string, unknown>;
  configBlob: Buffer;
  configDigest: string;
  manifest: Record<string, unknown>;
  manifestBlob: Buffer;
  manifestDigest: string;
  /** gzip-compressed layers, as pushed. */
  layers: Buffer[];
  layerDigests: string[];
  /** The same layers uncompressed (for docker-archive tarballs). */
  layerTars: Buffer[];
  /** sha256 of each uncompressed layer (rootfs.diff_ids). */
  diffIds: string[];
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function tarOf(files: Array<{ name: string; data: Buffer | string }>): Promise<Buffer> {
  return packTar((p) => {
    for (const f of files) p.entry({ name: f.name, mode: 0o644, mtime: new Date(0) }, f.data);
  });
}

/**
 * A busybox image built from Debian's busybox-static: one layer from busyboxLayerTar(), plus
 * `extraLayers` small layers each adding /layer-<n>.txt; OCI manifest and config, Cmd ["sh"].
 */
export async function buildBusyboxImage(o: { extraLayers?: number; label?: string } = {}): Promise<BuiltImage> {
  const layerTars = [await busyboxLayerTar()];
  for (let i = 1; i <= (o.extraLayers ?? 0); i++)
    layerTars.push(await tarOf([{ name: `layer-${i}.txt`, data: `layer ${i} ${o.label ?? ''}\n` }]));
  const layers = layerTars.map((t) => gzipSync(t));
  const diffIds = layerTars.map(sha);
  const layerDigests = layers.map(sha);
  const config = {
    created: '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Env: [BUSYBOX_PATH_ENV], Cmd: ['sh'], Labels: o.label ? { 'test.label': o.label } : undefined },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layerTars.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'tsswarm test image' })),
  };
  const configBlob = Buffer.from(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha(configBlob), size: configBlob.length },
    layers: layers.map((l) => ({ mediaType: MediaTypes.ociLayerGzip, digest: sha(l), size: l.length })),
  };
  const manifestBlob = Buffer.from(JSON.stringify(manifest));
  return {
    config,
    configBlob,
    configDigest: sha(configBlob),
    manifest,
    manifestBlob,
    manifestDigest: sha(manifestBlob),
    layers,
    layerDigests,
    layerTars,
    diffIds,
  };
}

/** A docker-archive tarball (docker save's classic layout, uncompressed layers) of the image. */
export async function dockerArchiveOf(image: BuiltImage, repoTags: string[]): Promise<Buffer> {
  const hex = (d: string) => d.slice(7);
  const files: Array<{ name: string; data: Buffer | string }> = [];
  files.push({ name: `${hex(image.configDigest)}.json`, data: image.configBlob });
  image.layerTars.forEach((t, i) => files.push({ name: `${hex(image.diffIds[i])}/layer.tar`, data: t }));
  files.push({
    name: 'manifest.json',
    data: JSON.stringify([
      {
        Config: `${hex(image.configDigest)}.json`,
        RepoTags: repoTags,
        Layers: image.diffIds.map((d) => `${hex(d)}/layer.tar`),
      },
    ]),
  });
  return tarOf(files);
}

/** Pushes the image to `ref` (e.g. "127.0.0.1:5000/busybox:latest") with our registry client. */
export async function pushBuiltImage(
  client: RegistryClient,
  ref: string,
  image: BuiltImage,
  credentials?: RegistryCredentials,
): Promise<string> {
  const r = parseReference(ref);
  const repo = client.repository(r, { credentials, push: true });
  const blobs: Array<[string, Buffer]> = [
    [image.configDigest, image.configBlob],
    ...image.layers.map((l, i) => [image.layerDigests[i], l] as [string, Buffer]),
  ];
  for (const [digest, data] of blobs) if (!(await repo.blobExists(digest))) await repo.putBlob(digest, data);
  return repo.putManifest(r.tag ?? image.manifestDigest, MediaTypes.ociManifest, image.manifestBlob);
}
