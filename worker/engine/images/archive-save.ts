import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { MediaTypes, parseReference, formatReference } from '../../registry';
import type { ContainerdClient } from '../containerd';
import type { ResolvedImage } from './image-service';

/**
 * Streams a tarball that is both a docker-archive (manifest.json) and an OCI image layout
 * (oci-layout, index.json), with every blob under blobs/sha256/, as Docker 25+ writes it.
 */
export function saveArchive(
  client: ContainerdClient,
  images: Array<{ img: ResolvedImage; repoTags: string[] }>,
): Readable {
  const p = pack();
  const out = new PassThrough();
  p.pipe(out);
  const blobPath = (d: string) => `blobs/${d.replace(':', '/')}`;
  const written = new Set<string>();
  const addBlob = async (digest: string, size: number) => {
    if (written.has(digest)) return;
    written.add(digest);
    await new Promise<void>((resolve, reject) => {
      const entry = p.entry({ name: blobPath(digest), size, mode: 0o644, mtime: new Date(0) }, (err) =>
        err ? reject(err) : resolve(),
      );
      pipeline(client.content.read(digest), entry).catch(reject);
    });
  };
  const addFile = (name: string, data: string) =>
    new Promise<void>((resolve, reject) =>
      p.entry({ name, mode: 0o644, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve())),
    );
  void (async () => {
    const manifestJson: unknown[] = [];
    const indexEntries: unknown[] = [];
    for (const { img, repoTags } of images) {
      for (const l of img.manifest.layers) await addBlob(l.digest, l.size);
      await addBlob(img.manifest.config.digest, img.manifest.config.size);
      await addBlob(img.manifestDesc.digest, img.manifestDesc.size);
      manifestJson.push({
        Config: blobPath(img.manifest.config.digest),
        RepoTags: repoTags,
        Layers: img.manifest.layers.map((l) => blobPath(l.digest)),
      });
      const desc = {
        mediaType: img.manifestDesc.mediaType,
        digest: img.manifestDesc.digest,
        size: img.manifestDesc.size,
      };
      if (!repoTags.length) indexEntries.push(desc);
      for (const t of repoTags) {
        const r = parseReference(t);
        indexEntries.push({
          ...desc,
          annotations: {
            'io.containerd.image.name': formatReference(r),
            'org.opencontainers.image.ref.name': r.tag ?? 'latest',
          },
        });
      }
    }
    await addFile('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await addFile(
      'index.json',
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: indexEntries }),
    );
    await addFile('manifest.json', JSON.stringify(manifestJson));
    p.finalize();
  })().catch((err: Error) => {
    p.destroy(err);
    out.destroy(err);
  });
  return out;
}
