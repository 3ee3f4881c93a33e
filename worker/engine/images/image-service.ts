import type { Readable } from 'node:stream';
import {
  ConflictError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  NULL_EVENT_SINK,
  type EventSink,
} from '../../../src/api';
import {
  documentMediaType,
  familiarReference,
  formatReference,
  hostPlatform,
  isIndexType,
  parseReference,
  parseRegistryAuth,
  RegistryClient,
  repositoryName,
  selectPlatformManifest,
  type ImageIndex,
  type ImageManifest,
  type ImageReference,
} from '../../registry';
import type { ContainerdClient, ContentDirectory, Descriptor, ImageRecord } from '../containerd';
import { parseImageConfig, type ImageConfigDoc } from './image-config';
import { loadArchive } from './archive-load';
import { saveArchive } from './archive-save';
import { chainIds } from './chain-id';
import { toImageInspect, toImageSummary } from './image-shapes';
import { byteProgress, shortId, type ProgressFn } from './progress';
import { SharedPull, type PullResult } from './shared-pull';
import { manifestGcLabels, unpackLayers } from './unpack';
import { writeContent } from './write-content';
import { DEFAULT_CONCURRENT_DOWNLOADS, DEFAULT_CONCURRENT_UPLOADS } from './concurrency';

/** Label on an image record: "repo@digest" of the manifest in its registry (after pull or push). */
export const REPO_DIGEST_LABEL = 'io.tsswarm.image.repo-digest';
/** Name prefix of image records that have no name (loaded without tags). */
export const DANGLING_PREFIX = 'dangling@';

export interface ImageServiceOptions {
  client: ContainerdClient;
  /** Snapshotter images are unpacked into; default "overlayfs". */
  snapshotter?: string;
  /** Registries spoken to over plain HTTP besides loopback ones. */
  insecureRegistries?: string[];
  /** The blobs directory of containerd's local store, when the daemon runs its own containerd. */
  contentDirectory?: ContentDirectory;
  /** Layers a pull downloads at once; default DEFAULT_CONCURRENT_DOWNLOADS. */
  maxConcurrentDownloads?: number;
  /** Layers a push uploads at once; default DEFAULT_CONCURRENT_UPLOADS. */
  maxConcurrentUploads?: number;
  events?: EventSink;
  /** Whether a container uses the image with this id (config digest); blocks rmi without force. */
  isImageInUse?: (imageId: string) => boolean;
  /**
   * Resolves once removed containers' snapshots are gone: their cleanup follows the removal's
   * answer, and an image delete right after must not find its layers still held.
   */
  containerRemovalsSettled?: () => Promise<void>;
}

/** One image record resolved down to its platform manifest and config. */
export interface ResolvedImage {
  record: ImageRecord;
  /** Config digest: Docker's image id. */
  id: string;
  manifestDesc: Descriptor;
  manifest: ImageManifest;
  config: ImageConfigDoc;
}

/** The image a container starts from. */
export interface RunnableImage {
  id: string;
  name: string;
  config: ImageConfigDoc;
  /** Snapshot (chain id of the top layer) to prepare the container's rootfs from. */
  chainId: string;
  snapshotter: string;
}

/**
 * Images on containerd: pull/push through the Registry v2 client, load/save of tarballs, and the
 * Docker views (list, inspect) over containerd's image records, content store and snapshots.
 */
export class ImageService {
  readonly snapshotter: string;
  private readonly client: ContainerdClient;
  private readonly registry: RegistryClient;
  private readonly events: EventSink;
  private readonly inUse: (id: string) => boolean;
  private readonly removalsSettled: () => Promise<void>;
  private readonly downloadsAtOnce: number;
  private readonly contentDir?: ContentDirectory;
  private readonly uploadsAtOnce: number;
  /** Resolutions by target digest: manifests and configs are immutable. */
  private readonly cache = new Map<string, Omit<ResolvedImage, 'record'>>();
  /** Layer downloads under way, by digest, so concurrent pulls sharing a layer fetch it once. */
  private readonly downloads = new Map<string, Promise<void>>();
  /** Pulls under way, by name and credentials: a second pull of the same image joins the first. */
  private readonly pulls = new Map<string, SharedPull>();

  constructor(o: ImageServiceOptions) {
    this.client = o.client;
    this.snapshotter = o.snapshotter ?? 'overlayfs';
    this.registry = new RegistryClient({ insecureRegistries: o.insecureRegistries });
    this.events = o.events ?? NULL_EVENT_SINK;
    this.inUse = o.isImageInUse ?? (() => false);
    this.removalsSettled = o.containerRemovalsSettled ?? (() => Promise.resolve());
    this.downloadsAtOnce = o.maxConcurrentDownloads ?? DEFAULT_CONCURRENT_DOWNLOADS;
    this.contentDir = o.contentDirectory;
    this.uploadsAtOnce = o.maxConcurrentUploads ?? DEFAULT_CONCURRENT_UPLOADS;
  }

  // ---- resolution -------------------------------------------------------------------------

  private async readJson<T>(digest: string): Promise<T> {
    return JSON.parse((await this.client.content.readAll(digest)).toString('utf8')) as T;
  }

  /** Resolves a record to its manifest (the host platform's, for an index) and config. */
  async resolveRecord(record: ImageRecord): Promise<ResolvedImage> {
    const cached = this.cache.get(record.target.digest);
    if (cached) return { record, ...cached };
    let manifestDesc: Descriptor = record.target;
    if (isIndexType(record.target.mediaType)) {
      const index = await this.readJson<ImageIndex>(record.target.digest);
      const present: ImageIndex['manifests'] = [];
      for (const m of index.manifests ?? []) if (await this.client.content.exists(m.digest)) present.push(m);
      manifestDesc = selectPlatformManifest(present, hostPlatform(), record.name);
    }
    const manifest = await this.readJson<ImageManifest>(manifestDesc.digest);
    const config = parseImageConfig(await this.client.content.readAll(manifest.config.digest), record.name);
    const out = { id: manifest.config.digest, manifestDesc, manifest, config };
    this.cache.set(record.target.digest, out);
    return { record, ...out };
  }

  /** Every image record that resolves (records whose content is gone are left out). */
  private async all(): Promise<ResolvedImage[]> {
    const out: ResolvedImage[] = [];
    for (const rec of await this.client.images.list()) {
      try {
        out.push(await this.resolveRecord(rec));
      } catch {
        /* content missing or foreign: not an image we can show */
      }
    }
    return out;
  }

  /**
   * Finds an image by name ("busybox", "busybox:latest", "docker.io/library/busybox:latest",
   * "repo@sha256:…") or by id (full, with or without "sha256:", or a unique prefix).
   * Returns the matched record first and then every other record of the same id.
   */
  async find(nameOrId: string): Promise<{ id: string; byName: boolean; matched: ResolvedImage; all: ResolvedImage[] }> {
    const images = await this.all();
    let ref: ImageReference | undefined;
    try {
      ref = parseReference(nameOrId);
    } catch {
      ref = undefined;
    }
    if (ref) {
      const full = formatReference(ref);
      let hit = images.find((i) => i.record.name === full);
      if (!hit && ref.digest) {
        const repo = repositoryName(ref);
        hit = images.find(
          (i) =>
            (i.record.target.digest === ref!.digest || i.manifestDesc.digest === ref!.digest) &&
            (i.record.name.startsWith(`${repo}:`) ||
              i.record.name.startsWith(`${repo}@`) ||
              i.record.labels?.[REPO_DIGEST_LABEL] === `${repo}@${ref!.digest}`),
        );
      }
      if (hit) return { id: hit.id, byName: true, matched: hit, all: images.filter((i) => i.id === hit!.id) };
    }
    const hex = nameOrId.replace(/^sha256:/, '');
    if (/^[0-9a-f]{1,64}$/.test(hex)) {
      const ids = [...new Set(images.filter((i) => i.id.slice(7).startsWith(hex)).map((i) => i.id))];
      if (ids.length > 1)
        throw new NotFoundError('image', nameOrId, { message: `No such image: ${nameOrId} (ambiguous id prefix)` });
      if (ids.length === 1) {
        const all = images.filter((i) => i.id === ids[0]);
        return { id: ids[0], byName: false, matched: all[0], all };
      }
    }
    throw new NotFoundError('image', nameOrId);
  }

  private async topChainId(img: ResolvedImage): Promise<string> {
    const diffIds = img.config.rootfs?.diff_ids ?? [];
    const chain = chainIds(diffIds);
    const top = chain[chain.length - 1] ?? '';
    if (top && !(await this.client.snapshotter(this.snapshotter).exists(top))) {
      // Unpacked snapshots can be lost (GC, a new snapshotter); the layers are still in content.
      await this.client.withLease(async (leased) => {
        const t = await unpackLayers(leased, this.snapshotter, img.manifest.layers, diffIds);
        await this.client.content.updateLabels(img.id, { [`containerd.io/gc.ref.snapshot.${this.snapshotter}`]: t });
      });
    }
    return top;
  }

  /** The config and rootfs snapshot of an image for a new container; 404 "No such image: X". */
  async resolveForRun(ref: string): Promise<RunnableImage> {
    const { matched } = await this.find(ref);
    return {
      id: matched.id,
      name: recordFamiliarName(matched.record.name) ?? ref,
      config: matched.config,
      chainId: await this.topChainId(matched),
      snapshotter: this.snapshotter,
    };
  }

  // ---- storing ----------------------------------------------------------------------------

  /**
   * Puts a blob in containerd's store: into its directory when the containerd is ours, else
   * (and when containerd collected the file before taking it in) streamed to it. `data` gives
   * the bytes, once per attempt, and must fail unless they hash to the digest: containerd
   * trusts a file in its directory by its name.
   */
  async storeBlob(
    leased: ContainerdClient,
    desc: { digest: string; size: number },
    data: () => Promise<AsyncIterable<Buffer>> | AsyncIterable<Buffer>,
  ): Promise<void> {
    if (this.contentDir) {
      if (!this.contentDir.has(desc.digest)) await this.contentDir.write(desc.digest, await data());
      if (await leased.content.adopt(desc)) return;
    }
    await writeContent(leased, desc, await data());
  }

  /**
   * With layers and config already in the leased content store: writes the manifest (and index)
   * with GC labels, unpacks, labels the config with its snapshot and points `names` at the target.
   */
  async commitImage(
    leased: ContainerdClient,
    o: {
      names: string[];
      target: Descriptor;
      manifestDesc: Descriptor;
      manifestBlob: Buffer;
      manifest: ImageManifest;
      config: ImageConfigDoc;
      index?: { blob: Buffer; doc: ImageIndex };
      labels?: Record<string, string>;
      onLayer?: (index: number, skipped: boolean) => void;
      /** Resolves once layer i is in the content store (a pull still downloading); default: all are. */
      layerReady?: (index: number) => Promise<void>;
    },
  ): Promise<void> {
    const diffIds = o.config.rootfs?.diff_ids ?? [];
    // The manifest and index are written while the layers unpack: the lease keeps them until
    // the image record names them.
    const documents = (async () => {
      await writeContent(
        leased,
        { digest: o.manifestDesc.digest, size: o.manifestDesc.size },
        o.manifestBlob,
        manifestGcLabels(o.manifest),
      );
      if (o.index) {
        const labels: Record<string, string> = {};
        o.index.doc.manifests.forEach((m, i) => {
          if (m.digest === o.manifestDesc.digest) labels[`containerd.io/gc.ref.content.m.${i}`] = m.digest;
        });
        await writeContent(leased, { digest: o.target.digest, size: o.target.size }, o.index.blob, labels);
      }
    })();
    documents.catch(() => undefined); // awaited below; a failed unpack is the error reported
    const top = await unpackLayers(leased, this.snapshotter, o.manifest.layers, diffIds, o.onLayer, o.layerReady);
    const snapLabel = { [`containerd.io/gc.ref.snapshot.${this.snapshotter}`]: top };
    await Promise.all([top ? leased.content.updateLabels(o.manifest.config.digest, snapLabel) : undefined, documents]);
    for (const name of o.names)
      await this.client.images.upsert({
        name,
        target: { mediaType: o.target.mediaType, digest: o.target.digest, size: o.target.size },
        labels: o.labels ?? {},
      });
  }

  // ---- pull / push --------------------------------------------------------------------------

  /**
   * Pulls `ref` (default tag latest) from its registry; `auth` is the X-Registry-Auth header.
   * A pull of an image already being pulled with the same credentials joins it, as Docker's
   * does: the tasks of a service starting together on a node would otherwise each unpack
   * every layer. The joined caller is shown the progress so far, then follows it.
   */
  async pull(ref: string, o: { auth?: string; onProgress?: ProgressFn } = {}): Promise<PullResult> {
    const r = parseReference(ref);
    const key = `${formatReference(r)}\n${o.auth ?? ''}`;
    let shared = this.pulls.get(key);
    if (!shared) {
      const started = new SharedPull();
      shared = started;
      this.pulls.set(key, started);
      started.settle(this.pullOnce(r, o.auth, (m) => started.broadcast(m)));
      void started.done.then(
        () => this.pulls.delete(key),
        () => this.pulls.delete(key),
      );
    }
    const detach = o.onProgress ? shared.follow(o.onProgress) : () => undefined;
    try {
      const res = await shared.done;
      this.events.publish('image', 'pull', res.name, { name: res.name });
      return res;
    } finally {
      detach();
    }
  }

  private async pullOnce(r: ImageReference, auth: string | undefined, on: ProgressFn): Promise<PullResult> {
    const name = formatReference(r);
    const familiar = familiarReference(r);
    const repo = this.registry.repository(r, { credentials: parseRegistryAuth(auth) });
    const reference = r.digest ?? r.tag ?? 'latest';
    on({ status: `Pulling from ${r.path}`, id: reference });
    const top = await repo.getManifest(reference);
    const target: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.size };
    let manifestFetched = top;
    let index: { blob: Buffer; doc: ImageIndex } | undefined;
    if (isIndexType(top.mediaType)) {
      const doc = JSON.parse(top.body.toString('utf8')) as ImageIndex;
      const pick = selectPlatformManifest(doc.manifests ?? [], hostPlatform(), familiar);
      manifestFetched = await repo.getManifest(pick.digest);
      index = { blob: top.body, doc };
    }
    const manifest = JSON.parse(manifestFetched.body.toString('utf8')) as ImageManifest;
    if (!manifest.config?.digest || !Array.isArray(manifest.layers))
      throw new InternalError(`manifest ${manifestFetched.digest} of ${familiar} is not an image manifest`);
    const manifestDesc: Descriptor = {
      mediaType: documentMediaType(manifest as never) || manifestFetched.mediaType,
      digest: manifestFetched.digest,
      size: manifestFetched.size,
    };
    const before = await this.client.images.get(name).catch(() => undefined);
    let id = manifest.config.digest;
    await this.client.withLease(async (leased) => {
      // The config is fetched while the layers' presence is asked, and before any layer downloads.
      const configFetched = (async () => {
        if (await leased.content.exists(manifest.config.digest)) return leased.content.readAll(manifest.config.digest);
        const { stream } = await repo.getBlob(manifest.config.digest, manifest.config.size);
        const parts: Buffer[] = [];
        for await (const c of stream) parts.push(c as Buffer);
        const blob = Buffer.concat(parts);
        await writeContent(leased, { digest: manifest.config.digest, size: manifest.config.size }, blob);
        return blob;
      })();
      configFetched.catch(() => undefined); // awaited below, once the layers' presence is known
      id = manifest.config.digest;
      // Layers already in the content store need no download ("Already exists"). The blob is
      // kept even when its snapshot exists, so that push and save of this image work.
      const needed: number[] = [];
      const present = await Promise.all(manifest.layers.map((l) => leased.content.exists(l.digest)));
      for (let i = 0; i < manifest.layers.length; i++) {
        if (present[i]) on({ status: 'Already exists', progressDetail: {}, id: shortId(manifest.layers[i].digest) });
        else {
          needed.push(i);
          on({ status: 'Pulling fs layer', progressDetail: {}, id: shortId(manifest.layers[i].digest) });
        }
      }
      const ready = new Map<number, { promise: Promise<void>; resolve(): void; reject(e: unknown): void }>();
      for (const i of needed) {
        let resolve!: () => void;
        let reject!: (e: unknown) => void;
        const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
        promise.catch(() => undefined); // the download's own rejection is what fails the pull
        ready.set(i, { promise, resolve, reject });
      }
      const fetchLayer = async (i: number) => {
        const l = manifest.layers[i];
        const sid = shortId(l.digest);
        const other = this.downloads.get(l.digest);
        if (other) {
          on({ status: 'Waiting', progressDetail: {}, id: sid });
          await other.catch(() => undefined);
          if (await leased.content.exists(l.digest)) {
            on({ status: 'Download complete', progressDetail: {}, id: sid });
            return;
          }
        }
        const fetchBlob = async () => {
          const { stream, size } = await repo.getBlob(l.digest, l.size);
          const tick = byteProgress(on, 'Downloading', sid, size || l.size);
          async function* counted() {
            for await (const c of stream) {
              tick((c as Buffer).length);
              yield c as Buffer;
            }
          }
          return counted();
        };
        const download = this.storeBlob(leased, { digest: l.digest, size: l.size }, fetchBlob);
        this.downloads.set(l.digest, download);
        try {
          await download;
        } finally {
          if (this.downloads.get(l.digest) === download) this.downloads.delete(l.digest);
        }
        on({ status: 'Download complete', progressDetail: {}, id: sid });
      };
      // The unpack starts with the config, and beside megabytes of layers its few bytes waited
      // on the registry and on containerd's connection for as long as the first layer took.
      const config = parseImageConfig(await configFetched, familiar);
      const downloads = runLimited(needed, this.downloadsAtOnce, async (i) => {
        await fetchLayer(i);
        ready.get(i)!.resolve();
      }).then(
        () => undefined,
        (err: unknown) => {
          for (const r of ready.values()) r.reject(err);
          throw err;
        },
      );
      const neededSet = new Set(needed);
      // Unpacking starts with the bottom layer's download, as Docker's does, not after the last one.
      const unpacked = this.commitImage(leased, {
        names: [name],
        target,
        manifestDesc,
        manifestBlob: manifestFetched.body,
        manifest,
        config,
        index,
        labels: { [REPO_DIGEST_LABEL]: `${repositoryName(r)}@${target.digest}` },
        onLayer: (i) => {
          if (neededSet.has(i))
            on({ status: 'Pull complete', progressDetail: {}, id: shortId(manifest.layers[i].digest) });
        },
        layerReady: (i) => ready.get(i)?.promise ?? Promise.resolve(),
      });
      unpacked.catch(() => undefined); // a failed download fails both; it is the error reported
      await downloads;
      await unpacked;
    });
    on({ status: `Digest: ${target.digest}` });
    const upToDate = before?.target.digest === target.digest;
    on({
      status: upToDate
        ? `Status: Image is up to date for ${familiar}`
        : `Status: Downloaded newer image for ${familiar}`,
    });
    return { id, name: familiar, digest: target.digest };
  }

  /** Pushes a local tag to its registry (the platform manifest, its config and layers). */
  async push(
    ref: string,
    o: { auth?: string; onProgress?: ProgressFn } = {},
  ): Promise<{ digest: string; size: number }> {
    const r = parseReference(ref);
    if (r.digest) throw new InvalidArgumentError(`cannot push a digest reference: ${ref}`);
    const on = o.onProgress;
    const name = formatReference(r);
    const rec = await this.client.images.get(name).catch(() => undefined);
    if (!rec)
      throw new NotFoundError('image', ref, {
        message: `An image does not exist locally with the tag: ${familiarReference(r)}`,
      });
    const img = await this.resolveRecord(rec);
    on?.({ status: `The push refers to repository [${repositoryName(r)}]` });
    const repo = this.registry.repository(r, { credentials: parseRegistryAuth(o.auth), push: true });
    const layers = [...img.manifest.layers].reverse();
    for (const l of layers) on?.({ status: 'Preparing', progressDetail: {}, id: shortId(l.digest) });
    await runLimited(layers, this.uploadsAtOnce, async (l) => {
      const sid = shortId(l.digest);
      if (await repo.blobExists(l.digest)) {
        on?.({ status: 'Layer already exists', progressDetail: {}, id: sid });
        return;
      }
      const tick = byteProgress(on, 'Pushing', sid, l.size);
      on?.({ status: 'Pushing', progressDetail: { current: 0, total: l.size }, id: sid });
      await repo.putBlob(l.digest, {
        size: l.size,
        open: () => {
          const s = this.client.content.read(l.digest);
          s.on('data', (c: Buffer) => tick(c.length));
          return s;
        },
      });
      on?.({ status: 'Pushed', progressDetail: {}, id: sid });
    });
    if (!(await repo.blobExists(img.manifest.config.digest)))
      await repo.putBlob(img.manifest.config.digest, await this.client.content.readAll(img.manifest.config.digest));
    const body = await this.client.content.readAll(img.manifestDesc.digest);
    const digest = await repo.putManifest(r.tag ?? 'latest', img.manifestDesc.mediaType, body);
    on?.({ status: `${r.tag ?? 'latest'}: digest: ${digest} size: ${body.length}` });
    on?.({ progressDetail: {}, aux: { Tag: r.tag ?? 'latest', Digest: digest, Size: body.length } });
    await this.client.images.update(
      { name, target: rec.target, labels: { ...rec.labels, [REPO_DIGEST_LABEL]: `${repositoryName(r)}@${digest}` } },
      [`labels.${REPO_DIGEST_LABEL}`],
    );
    this.events.publish('image', 'push', familiarReference(r), { name: familiarReference(r) });
    return { digest, size: body.length };
  }

  /** Remote descriptor and platforms of a reference, as GET /distribution/{name}/json answers. */
  async distributionInspect(
    ref: string,
    auth?: string,
  ): Promise<{
    Descriptor: { mediaType: string; digest: string; size: number };
    Platforms: Array<Record<string, string>>;
  }> {
    const r = parseReference(ref);
    const repo = this.registry.repository(r, { credentials: parseRegistryAuth(auth) });
    const m = await repo.getManifest(r.digest ?? r.tag ?? 'latest');
    const doc = JSON.parse(m.body.toString('utf8')) as ImageIndex & ImageManifest;
    let platforms: Array<Record<string, string>>;
    if (isIndexType(m.mediaType)) {
      platforms = (doc.manifests ?? [])
        .filter((d) => d.platform && d.platform.os !== 'unknown')
        .map((d) => ({ ...(d.platform as unknown as Record<string, string>) }));
    } else {
      const { stream } = await repo.getBlob(doc.config.digest, doc.config.size);
      const parts: Buffer[] = [];
      for await (const c of stream) parts.push(c as Buffer);
      const cfg = JSON.parse(Buffer.concat(parts).toString('utf8')) as ImageConfigDoc;
      platforms = [
        { architecture: cfg.architecture ?? '', os: cfg.os ?? '', ...(cfg.variant ? { variant: cfg.variant } : {}) },
      ];
    }
    return { Descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.size }, Platforms: platforms };
  }

  // ---- load / save --------------------------------------------------------------------------

  /** Loads a docker-archive or OCI-layout tarball; returns the loaded names (or ids when untagged). */
  async load(input: Readable, o: { onProgress?: ProgressFn } = {}): Promise<{ loaded: string[] }> {
    const loaded = await loadArchive(this, this.client, input);
    for (const n of loaded) {
      o.onProgress?.({ stream: `Loaded image${n.startsWith('sha256:') ? ' ID' : ''}: ${n}\n` });
      this.events.publish('image', 'load', n, { name: n });
    }
    return { loaded };
  }

  /** A docker-archive (with an OCI layout alongside, as Docker 25 writes) of the named images. */
  async save(names: string[]): Promise<Readable> {
    if (!names.length) throw new InvalidArgumentError('names: at least one image is required');
    const picked: Array<{ img: ResolvedImage; repoTags: string[] }> = [];
    for (const n of names) {
      const f = await this.find(n);
      const tags = f.byName
        ? [recordFamiliarName(f.matched.record.name)].filter((x): x is string => !!x && !x.includes('@'))
        : [];
      const existing = picked.find((p) => p.img.id === f.id);
      if (existing) existing.repoTags.push(...tags.filter((t) => !existing.repoTags.includes(t)));
      else picked.push({ img: f.matched, repoTags: tags });
    }
    for (const p of picked) this.events.publish('image', 'save', p.img.id, {});
    return saveArchive(this.client, picked);
  }

  // ---- views ------------------------------------------------------------------------------

  /** Docker's GET /images/json: one summary per image id. Filters: reference, dangling, label, before, since. */
  async list(o: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<Array<Record<string, unknown>>> {
    const f = o.filters ?? {};
    for (const k of Object.keys(f))
      if (!['reference', 'dangling', 'label', 'before', 'since', 'until'].includes(k))
        throw new InvalidArgumentError(`Invalid filter '${k}'`);
    const groups = new Map<string, ResolvedImage[]>();
    for (const img of await this.all()) groups.set(img.id, [...(groups.get(img.id) ?? []), img]);
    let out = [...groups.values()].map((g) => toImageSummary(g, this.inUse(g[0].id)));
    if (f.dangling?.length) {
      if (!['true', 'false', '1', '0'].includes(f.dangling[0]))
        throw new InvalidArgumentError(`Invalid filter 'dangling=${f.dangling[0]}'`);
      const want = f.dangling[0] === 'true' || f.dangling[0] === '1';
      out = out.filter((s) => ((s.RepoTags as string[]).length === 0) === want);
    }
    if (f.reference?.length) {
      const res = f.reference.map(globToRegExp);
      out = out.filter((s) =>
        (s.RepoTags as string[]).some((t) => res.some((re) => re.test(t) || re.test(t.replace(/:[^:/]+$/, '')))),
      );
    }
    if (f.label?.length) {
      out = out.filter((s) => {
        const labels = (s.Labels ?? {}) as Record<string, string>;
        return f.label.every((l) => {
          const eq = l.indexOf('=');
          return eq < 0 ? l in labels : labels[l.slice(0, eq)] === l.slice(eq + 1);
        });
      });
    }
    for (const key of ['before', 'since'] as const) {
      if (!f[key]?.length) continue;
      const pivot = await this.find(f[key][0]);
      const created = Date.parse(pivot.matched.config.created ?? '') / 1000 || 0;
      out = out.filter((s) => (key === 'before' ? (s.Created as number) < created : (s.Created as number) > created));
    }
    if (f.until?.length) {
      const until = parseUntil(f.until[0]);
      out = out.filter((s) => (s.Created as number) < until);
    }
    return out.sort((a, b) => (b.Created as number) - (a.Created as number));
  }

  /** Docker's GET /images/{name}/json. */
  async inspect(nameOrId: string): Promise<Record<string, unknown>> {
    const f = await this.find(nameOrId);
    return toImageInspect(f.all, this.snapshotter);
  }

  /** Points repo:tag at the image `source` names. */
  async tag(source: string, repo: string, tag?: string): Promise<void> {
    const { matched, id } = await this.find(source);
    let r: ImageReference;
    try {
      r = parseReference(tag ? `${repo}:${tag}` : repo);
    } catch (err) {
      throw new InvalidArgumentError(`${(err as Error).message}: repo ${repo}${tag ? `, tag ${tag}` : ''}`);
    }
    if (r.digest) throw new InvalidArgumentError(`refusing to create a tag with a digest reference: ${repo}`);
    const name = formatReference(r);
    await this.client.images.upsert({ name, target: matched.record.target, labels: {} });
    this.events.publish('image', 'tag', id, { name: familiarReference(r) });
  }

  /** Docker's DELETE /images/{name}: untags, and deletes the image when no name is left. */
  async remove(
    ref: string,
    o: { force?: boolean; noprune?: boolean } = {},
  ): Promise<Array<{ Untagged: string } | { Deleted: string }>> {
    await this.removalsSettled();
    const f = await this.find(ref);
    const short = f.id.slice(7, 19);
    const inUse = this.inUse(f.id);
    let toRemove: ResolvedImage[];
    if (f.byName && !ref.replace(/^sha256:/, '').match(/^[0-9a-f]{64}$/)) {
      toRemove = [f.matched];
      if (f.all.length === 1 && inUse && !o.force)
        throw new ConflictError(
          `conflict: unable to remove repository reference "${ref}" (must force) - container is using its referenced image ${short}`,
        );
    } else {
      toRemove = f.all;
      const repos = new Set(f.all.map((i) => i.record.name.replace(/[:@][^/]*$/, '')));
      if (!o.force && repos.size > 1)
        throw new ConflictError(
          `conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`,
        );
      if (!o.force && inUse)
        throw new ConflictError(
          `conflict: unable to delete ${short} (must be forced) - image is being used by a container`,
        );
    }
    const out: Array<{ Untagged: string } | { Deleted: string }> = [];
    const last = toRemove.length === f.all.length;
    for (const img of toRemove) {
      await this.client.images.delete(img.record.name, last && img === toRemove[toRemove.length - 1] && !o.noprune);
      const n = recordFamiliarName(img.record.name);
      if (n) out.push({ Untagged: n });
      const rd = img.record.labels?.[REPO_DIGEST_LABEL];
      if (rd && last) out.push({ Untagged: familiarReference(parseReference(rd)) });
      this.events.publish('image', 'untag', f.id, { name: n ?? f.id });
    }
    if (last) {
      out.push({ Deleted: f.id });
      this.events.publish('image', 'delete', f.id, {});
    }
    return out;
  }
}

/** "busybox:latest" for a record named "docker.io/library/busybox:latest"; undefined for a dangling one. */
export function recordFamiliarName(name: string): string | undefined {
  if (name.startsWith(DANGLING_PREFIX)) return undefined;
  try {
    return familiarReference(parseReference(name));
  } catch {
    return name;
  }
}

/** Docker's `until` filter: unix seconds, an RFC 3339 time, or a duration before now ("10m", "2h"). */
export function parseUntil(v: string, nowMs = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const dur = /^(\d+)(s|m|h)$/.exec(v);
  if (dur) return Math.floor(nowMs / 1000) - Number(dur[1]) * { s: 1, m: 60, h: 3600 }[dur[2] as 's' | 'm' | 'h'];
  const t = Date.parse(v);
  if (Number.isFinite(t)) return Math.floor(t / 1000);
  throw new InvalidArgumentError(`Invalid filter 'until=${v}': not a timestamp or duration`);
}

function globToRegExp(glob: string): RegExp {
  const esc = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '.');
  return new RegExp(`^${esc}$`);
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    // After one failure the others stop taking work, so nothing runs on once the caller has failed.
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  await Promise.all(workers);
}
