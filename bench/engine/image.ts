import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { MediaTypes, parseReference, RegistryClient } from '../../worker/registry';
import { busyboxLayerTar } from '../../test/support/busybox-layer';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function tarOf(name: string, data: Buffer): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => p.on('end', resolve).on('error', reject));
  p.entry({ name, mode: 0o644, mtime: new Date(0) }, data);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Builds the pull image: Debian's static busybox as the first layer, then `extra` layers of
 * `layerBytes` random (incompressible) bytes each, in a Docker schema 2 manifest; pushes it to
 * `ref` with the project's registry client. Returns the total compressed size.
 */
export async function pushBenchImage(ref: string, extra = 4, layerBytes = 4 << 20): Promise<number> {
  const tars = [await busyboxLayerTar()];
  for (let i = 1; i <= extra; i++) tars.push(await tarOf(`data-${i}.bin`, randomBytes(layerBytes)));
  const layers = tars.map((t) => gzipSync(t));
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: tars.map(sha) },
      history: tars.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'tsswarm bench/engine' })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { mediaType: MediaTypes.dockerConfig, digest: sha(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: MediaTypes.dockerLayerGzip, digest: sha(l), size: l.length })),
    }),
  );
  const r = parseReference(ref);
  const repo = new RegistryClient().repository(r, { push: true });
  for (const blob of [config, ...layers]) await repo.putBlob(sha(blob), blob);
  await repo.putManifest(r.tag ?? 'latest', MediaTypes.dockerManifest, manifest);
  return layers.reduce((n, l) => n + l.length, config.length);
}
