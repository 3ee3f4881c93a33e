import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/** A regular file of the tarball, spooled to disk so that big layers never sit in memory. */
interface Spooled {
  path: string;
  size: number;
  digest: string;
  /** The first bytes, to tell gzip and zstd from plain tar. */
  head: Buffer;
}

class SpooledFiles {
  readonly entries = new Map<string, Spooled>();
  constructor(readonly dir: string) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string, what: string): Spooled {
    const e = this.entries.get(name.replace(/^\.\//, ''));
    if (!e) throw new InvalidArgumentError(`image tarball: ${what} ${name} is missing`);
    return e;
  }

  /** A small file (JSON documents), whole. */
  read(name: string, what: string): Buffer {
    const e = this.get(name, what);
    if (e.size > 64 << 20) throw new InvalidArgumentError(`image tarball: ${what} ${name} is too large`);
    return readFileSync(e.path);
  }
}

/** Spools every regular file of a tarball into `dir`, hashing it on the way. */
async function readTar(input: Readable, dir: string): Promise<SpooledFiles> {
  const files = new SpooledFiles(dir);
  const ex = extract();
  let n = 0;
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        stream.on('end', () => next());
        stream.resume();
        return;
      }
      if (++n > MAX_ENTRIES) {
        ex.destroy(new InvalidArgumentError('image tarball: too many entries'));
        return;
      }
      const file = path.join(dir, String(n));
      const hash = createHash('sha256');
      let size = 0;
      let head = Buffer.alloc(0);
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          size += chunk.length;
          if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
          cb(null, chunk);
        },
      });
      pipeline(stream, meter, createWriteStream(file)).then(() => {
        files.entries.set(header.name.replace(/^\.\//, ''), {
          path: file,
          size,
          digest: `sha256:${hash.digest('hex')}`,
          head,
        });
        next();
      }, reject);
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
  if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return MediaTypes.ociLayerZstd;
  return oci ? MediaTypes.ociLayer : MediaTypes.dockerLayer;
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
  layers: Spooled[];
}

/** The images of a docker-archive (manifest.json): builds a Docker schema2 manifest for each. */
function fromDockerArchive(files: SpooledFiles): Candidate[] {
  let entries: Array<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }>;
  try {
    entries = JSON.parse(files.read('manifest.json', 'manifest').toString('utf8'));
  } catch {
    throw new InvalidArgumentError('image tarball: manifest.json is not JSON');
  }
  if (!Array.isArray(entries)) throw new InvalidArgumentError('image tarball: manifest.json is not a list');
  return entries.map((e, i) => {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers))
      throw new InvalidArgumentError(`image tarball: manifest.json[${i}] needs Config and Layers`);
    const configBlob = files.read(e.Config, 'config');
    const layers = e.Layers.map((l) => files.get(l, 'layer'));
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { mediaType: MediaTypes.dockerConfig, digest: sha256(configBlob), size: configBlob.length },
      layers: layers.map((l) => ({ mediaType: layerMediaType(l.head, false), digest: l.digest, size: l.size })),
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
function fromOciLayout(files: SpooledFiles): Candidate[] {
  const blobName = (d: OciDescriptor) => `blobs/${d.digest.replace(':', '/')}`;
  const blob = (d: OciDescriptor) => files.read(blobName(d), 'blob');
  let index: ImageIndex;
  try {
    index = JSON.parse(files.read('index.json', 'index').toString('utf8'));
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
    if (sha256(manifestBlob) !== desc.digest)
      throw new InvalidArgumentError(`image tarball: blob ${blobName(desc)} does not match its digest`);
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
      layers: manifest.layers.map((l) => {
        const f = files.get(blobName(l), 'layer');
        if (f.digest !== l.digest || f.size !== l.size)
          throw new InvalidArgumentError(`image tarball: blob ${blobName(l)} does not match its digest and size`);
        return f;
      }),
    });
  }
  return out;
}

/**
 * Loads every image of a docker-archive or OCI-layout tarball into the content store (layers as
 * they are, gzip or plain), unpacks them and names them; returns Docker's "Loaded image" names.
 */
export async function loadArchive(service: ImageService, client: ContainerdClient, input: Readable): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-load-'));
  try {
    return await loadSpooled(service, client, await readTar(input, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function loadSpooled(service: ImageService, client: ContainerdClient, files: SpooledFiles): Promise<string[]> {
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
      // Their digests were computed as the tarball was read.
      for (const l of c.layers)
        await service.storeBlob(
          leased,
          { digest: l.digest, size: l.size },
          () => createReadStream(l.path) as AsyncIterable<Buffer>,
        );
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
