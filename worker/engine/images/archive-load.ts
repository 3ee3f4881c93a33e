import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { InvalidArgumentError } from '../../../src/api';
import {
  familiarReference,
  formatReference,
  hostPlatform,
  isIndexType,
  MediaTypes,
  parseReference,
  selectPlatformManifest,
  type ImageIndex,
  type ImageManifest,
  type OciDescriptor,
} from '../../registry';
import type { ContainerdClient, Descriptor } from '../containerd';
import { parseImageConfig } from './image-config';
import type { ImageService } from './image-service';
import { DANGLING_PREFIX } from './image-service';
import { writeContent } from './write-content';

const MAX_ENTRIES = 100_000;

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Every regular file of a tarball, by path without a leading "./". */
async function readTar(input: Readable): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        parts.push(c as Buffer);
      });
      stream.on('end', () => {
        if (header.type === 'file' || header.type === 'contiguous-file')
          files.set(header.name.replace(/^\.\//, ''), Buffer.concat(parts));
        if (files.size > MAX_ENTRIES) ex.destroy(new InvalidArgumentError('image tarball: too many entries'));
        else next();
      });
      stream.on('error', reject);
    });
    ex.on('finish', () => resolve());
    ex.on('error', (err: Error) =>
      reject(err instanceof InvalidArgumentError ? err : new InvalidArgumentError(`image tarball: ${err.message}`)),
    );
  });
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex);
  await done;
  return files;
}

function layerMediaType(b: Buffer, oci: boolean): string {
  if (b[0] === 0x1f && b[1] === 0x8b) return oci ? MediaTypes.ociLayerGzip : MediaTypes.dockerLayerGzip;
  if (b.readUInt32LE(0) === 0xfd2fb528) return MediaTypes.ociLayerZstd;
  return oci ? MediaTypes.ociLayer : MediaTypes.dockerLayer;
}

function need(files: Map<string, Buffer>, p: string, what: string): Buffer {
  const b = files.get(p.replace(/^\.\//, ''));
  if (!b) throw new InvalidArgumentError(`image tarball: ${what} ${p} is missing`);
  return b;
}

function normalizedName(n: string): string {
  try {
    return formatReference(parseReference(n));
  } catch (err) {
    throw new InvalidArgumentError(`image tarball: ${(err as Error).message}: ${n}`);
  }
}

interface Candidate {
  names: string[];
  manifest: ImageManifest;
  manifestBlob: Buffer;
  manifestDesc: Descriptor;
  configBlob: Buffer;
  layers: Buffer[];
}

/** The images of a docker-archive (manifest.json): builds a Docker schema2 manifest for each. */
function fromDockerArchive(files: Map<string, Buffer>): Candidate[] {
  let entries: Array<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }>;
  try {
    entries = JSON.parse(files.get('manifest.json')!.toString('utf8'));
  } catch {
    throw new InvalidArgumentError('image tarball: manifest.json is not JSON');
  }
  if (!Array.isArray(entries)) throw new InvalidArgumentError('image tarball: manifest.json is not a list');
  return entries.map((e, i) => {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers))
      throw new InvalidArgumentError(`image tarball: manifest.json[${i}] needs Config and Layers`);
    const configBlob = need(files, e.Config, 'config');
    const layers = e.Layers.map((l) => need(files, l, 'layer'));
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { mediaType: MediaTypes.dockerConfig, digest: sha256(configBlob), size: configBlob.length },
      layers: layers.map((b) => ({ mediaType: layerMediaType(b, false), digest: sha256(b), size: b.length })),
    };
    const manifestBlob = Buffer.from(JSON.stringify(manifest));
    return {
      names: (e.RepoTags ?? []).map(normalizedName),
      manifest,
      manifestBlob,
      manifestDesc: { mediaType: MediaTypes.dockerManifest, digest: sha256(manifestBlob), size: manifestBlob.length },
      configBlob,
      layers,
    };
  });
}

/** The images of an OCI image layout (oci-layout, index.json, blobs/sha256/…). */
function fromOciLayout(files: Map<string, Buffer>): Candidate[] {
  const blob = (d: OciDescriptor) => need(files, `blobs/${d.digest.replace(':', '/')}`, 'blob');
  let index: ImageIndex;
  try {
    index = JSON.parse(files.get('index.json')!.toString('utf8'));
  } catch {
    throw new InvalidArgumentError('image tarball: index.json is not JSON');
  }
  if (!Array.isArray(index?.manifests)) throw new InvalidArgumentError('image tarball: index.json has no manifests');
  const out: Candidate[] = [];
  for (const top of index.manifests) {
    let desc: OciDescriptor = top;
    if (isIndexType(desc.mediaType)) {
      const inner = JSON.parse(blob(desc).toString('utf8')) as ImageIndex;
      desc = selectPlatformManifest(inner.manifests ?? [], hostPlatform(), 'image tarball');
    }
    const manifestBlob = blob(desc);
    const manifest = JSON.parse(manifestBlob.toString('utf8')) as ImageManifest;
    const ann = top.annotations ?? {};
    let name = ann['io.containerd.image.name'];
    const refName = ann['org.opencontainers.image.ref.name'];
    if (!name && refName && /[:/]/.test(refName)) name = refName;
    out.push({
      names: name ? [normalizedName(name)] : [],
      manifest,
      manifestBlob,
      manifestDesc: { mediaType: desc.mediaType, digest: sha256(manifestBlob), size: manifestBlob.length },
      configBlob: blob(manifest.config),
      layers: manifest.layers.map(blob),
    });
  }
  return out;
}

/**
 * Loads every image of a docker-archive or OCI-layout tarball into the content store (layers as
 * they are, gzip or plain), unpacks them and names them; returns Docker's "Loaded image" names.
 */
export async function loadArchive(service: ImageService, client: ContainerdClient, input: Readable): Promise<string[]> {
  const files = await readTar(input);
  let candidates: Candidate[];
  if (files.has('manifest.json')) candidates = fromDockerArchive(files);
  else if (files.has('index.json')) candidates = fromOciLayout(files);
  else
    throw new InvalidArgumentError(
      'image tarball: neither manifest.json (docker-archive) nor index.json (OCI layout) found',
    );
  const loaded: string[] = [];
  for (const c of candidates) {
    const config = parseImageConfig(c.configBlob, 'image tarball');
    if ((config.rootfs?.diff_ids ?? []).length !== c.layers.length)
      throw new InvalidArgumentError(
        `image tarball: config lists ${config.rootfs?.diff_ids?.length ?? 0} diff ids for ${c.layers.length} layers`,
      );
    const names = c.names.length ? c.names : [`${DANGLING_PREFIX}${c.manifest.config.digest}`];
    await client.withLease(async (leased) => {
      await writeContent(leased, { digest: c.manifest.config.digest, size: c.configBlob.length }, c.configBlob);
      for (let i = 0; i < c.layers.length; i++)
        await writeContent(leased, { digest: c.manifest.layers[i].digest, size: c.layers[i].length }, c.layers[i]);
      await service.commitImage(leased, {
        names,
        target: c.manifestDesc,
        manifestDesc: c.manifestDesc,
        manifestBlob: c.manifestBlob,
        manifest: c.manifest,
        config,
      });
    });
    if (c.names.length) {
      for (const n of c.names) loaded.push(familiarReference(parseReference(n)));
    } else loaded.push(c.manifest.config.digest);
  }
  return loaded;
}
