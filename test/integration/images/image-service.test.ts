import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { ContainerdClient, ContentDirectory } from '../../../worker/engine/containerd';
import { chainIds, ImageService } from '../../../worker/engine/images';
import { hostPlatform, MediaTypes, parseReference, RegistryClient } from '../../../worker/registry';
import { requireContainerd, startTestContainerd, type TestContainerd } from '../../support/containerd';
import { buildBusyboxImage, dockerArchiveOf, pushBuiltImage, type BuiltImage } from '../../support/busybox-image';
import {
  htpasswdLine,
  requireRegistry,
  startTestRegistry,
  tokenAuthUnavailableReason,
  type TestRegistry,
} from '../../support/registry';

type Msg = Record<string, unknown>;

async function drain(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** The tarball without the named entries (to turn a combined archive into a pure OCI layout). */
async function withoutEntries(tar: Buffer, drop: string[]): Promise<Buffer> {
  const ex = extract();
  const p = pack();
  const out = drain(p as unknown as NodeJS.ReadableStream);
  ex.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      parts.push(c as Buffer);
    });
    stream.on('end', () => {
      if (!drop.includes(h.name)) p.entry(h, Buffer.concat(parts));
      next();
    });
  });
  const done = new Promise<void>((r) => ex.on('finish', () => r()));
  Readable.from([tar]).pipe(ex);
  await done;
  p.finalize();
  return out;
}

const authHeader = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('image service (real containerd and docker-registry)', function () {
  this.timeout(120_000);
  let ctd: TestContainerd;
  let reg: TestRegistry;
  let client: ContainerdClient;
  let images: ImageService;
  let base: BuiltImage;
  let three: BuiltImage;
  let inUse = new Set<string>();
  const registry = new RegistryClient();
  let ref: string;

  before(async function () {
    requireContainerd(this);
    requireRegistry(this);
    [ctd, reg, base, three] = await Promise.all([
      startTestContainerd(),
      startTestRegistry(),
      buildBusyboxImage(),
      buildBusyboxImage({ extraLayers: 2, label: 'three' }),
    ]);
    client = await ContainerdClient.connect(ctd.address, { namespace: 'tsswarm-images-test' });
    images = new ImageService({ client, isImageInUse: (id) => inUse.has(id) });
    ref = `${reg.host}/test/busybox:latest`;
    await pushBuiltImage(registry, ref, base);
    await pushBuiltImage(registry, `${reg.host}/test/three:v1`, three);
  });

  after(async () => {
    client?.close();
    await Promise.all([ctd?.stop(), reg?.stop()]);
  });

  it('pulls an image: content, committed snapshots, record, Docker progress', async () => {
    const msgs: Msg[] = [];
    const res = await images.pull(ref, { onProgress: (m) => msgs.push(m) });
    assert.deepEqual(res, {
      id: base.configDigest,
      name: `${reg.host}/test/busybox:latest`,
      digest: base.manifestDigest,
    });
    const statuses = msgs.map((m) => m.status);
    assert.deepEqual(msgs[0], { status: 'Pulling from test/busybox', id: 'latest' });
    const lid = base.layerDigests[0].slice(7, 19);
    assert.ok(msgs.some((m) => m.status === 'Pulling fs layer' && m.id === lid));
    assert.ok(
      msgs.some((m) => m.status === 'Downloading' && (m.progressDetail as Msg).total === base.layers[0].length),
    );
    assert.ok(msgs.some((m) => m.status === 'Pull complete' && m.id === lid));
    assert.ok(statuses.includes(`Digest: ${base.manifestDigest}`));
    assert.equal(statuses.at(-1), `Status: Downloaded newer image for ${reg.host}/test/busybox:latest`);

    const snap = await client.snapshots.stat(base.diffIds[0]);
    assert.equal(snap.kind, 'COMMITTED');
    const rec = await client.images.get(`${reg.host}/test/busybox:latest`);
    assert.equal(rec.target.digest, base.manifestDigest);
    const cfg = await client.content.info(base.configDigest);
    assert.equal(cfg.labels['containerd.io/gc.ref.snapshot.overlayfs'], base.diffIds[0]);
    const man = await client.content.info(base.manifestDigest);
    assert.equal(man.labels['containerd.io/gc.ref.content.config'], base.configDigest);
    assert.equal(man.labels['containerd.io/gc.ref.content.l.0'], base.layerDigests[0]);
    assert.deepEqual(await client.leases.list(), [], 'the pull lease is gone');

    const again: Msg[] = [];
    await images.pull(ref, { onProgress: (m) => again.push(m) });
    assert.ok(again.some((m) => m.status === 'Already exists'));
    assert.equal(again.at(-1)?.status, `Status: Image is up to date for ${reg.host}/test/busybox:latest`);
  });

  it('inspects and lists in Docker shapes', async () => {
    const i = await images.inspect(ref);
    assert.equal(i.Id, base.configDigest);
    assert.deepEqual(i.RepoTags, [`${reg.host}/test/busybox:latest`]);
    assert.deepEqual(i.RepoDigests, [`${reg.host}/test/busybox@${base.manifestDigest}`]);
    assert.equal(i.Parent, '');
    assert.equal(i.Created, '2024-01-01T00:00:00Z');
    assert.deepEqual((i.Config as Msg).Cmd, ['sh']);
    assert.deepEqual((i.Config as Msg).Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    assert.equal(i.Architecture, 'amd64');
    assert.equal(i.Os, 'linux');
    assert.deepEqual(i.RootFS, { Type: 'layers', Layers: base.diffIds });
    assert.equal(i.Size, base.layers[0].length);
    const list = await images.list();
    const s = list.find((x) => x.Id === base.configDigest)!;
    assert.deepEqual(s, {
      Containers: -1,
      Created: Date.parse('2024-01-01T00:00:00Z') / 1000,
      Id: base.configDigest,
      Labels: null,
      ParentId: '',
      RepoDigests: [`${reg.host}/test/busybox@${base.manifestDigest}`],
      RepoTags: [`${reg.host}/test/busybox:latest`],
      SharedSize: -1,
      Size: base.layers[0].length,
      VirtualSize: base.layers[0].length,
    });
    assert.equal((await images.list({ filters: { reference: ['*/test/busybox'] } })).length, 1);
    assert.equal((await images.list({ filters: { reference: ['nomatch'] } })).length, 0);
    await assert.rejects(images.list({ filters: { bogus: ['x'] } }), /Invalid filter 'bogus'/);
    await assert.rejects(images.list({ filters: { dangling: ['maybe'] } }), /Invalid filter 'dangling=maybe'/);
    assert.equal((await images.list({ filters: { dangling: ['true'] } })).length, 0);
    assert.equal((await images.list({ filters: { until: ['2023-01-01T00:00:00Z'] } })).length, 0);
    assert.ok((await images.list({ filters: { until: ['1h'] } })).some((x) => x.Id === base.configDigest));
  });

  it('resolves names, ids and id prefixes for run; 404 for unknown', async () => {
    for (const n of [
      ref,
      `${reg.host}/test/busybox`,
      base.configDigest,
      base.configDigest.slice(7),
      base.configDigest.slice(7, 19),
    ]) {
      const r = await images.resolveForRun(n);
      assert.equal(r.id, base.configDigest, n);
      assert.equal(r.chainId, base.diffIds[0]);
      assert.equal(r.snapshotter, 'overlayfs');
      assert.deepEqual(r.config.config?.Cmd, ['sh']);
    }
    await assert.rejects(images.resolveForRun('nosuch:latest'), (e: Error & { httpStatus?: number }) => {
      assert.equal(e.httpStatus, 404);
      assert.equal(e.message, 'No such image: nosuch:latest');
      return true;
    });
  });

  it('pulls a 3-layer image into a chain of snapshots', async () => {
    await images.pull(`${reg.host}/test/three:v1`);
    const chain = chainIds(three.diffIds);
    for (let i = 0; i < 3; i++) {
      const st = await client.snapshots.stat(chain[i]);
      assert.equal(st.kind, 'COMMITTED');
      assert.equal(st.parent, i === 0 ? '' : chain[i - 1]);
    }
    const r = await images.resolveForRun(`${reg.host}/test/three:v1`);
    assert.equal(r.chainId, chain[2]);
    assert.deepEqual(r.config.config?.Labels, { 'test.label': 'three' });
    // The base layer is shared with the busybox image: one snapshot, not two.
    assert.equal(chain[0], base.diffIds[0]);
    // The top snapshot, mounted, holds every layer's files.
    const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-img-view-'));
    const mounts = await client.snapshots.view('view-three', chain[2], {
      'containerd.io/gc.root': new Date().toISOString(),
    });
    try {
      const m = mounts[0];
      execFileSync('mount', ['-t', m.type, '-o', m.options.join(','), m.source, dir]);
      try {
        assert.equal(readFileSync(path.join(dir, 'layer-2.txt'), 'utf8'), 'layer 2 three\n');
        assert.equal(readFileSync(path.join(dir, 'layer-1.txt'), 'utf8'), 'layer 1 three\n');
        assert.ok(statSync(path.join(dir, 'bin/busybox')).size > 100_000);
      } finally {
        execFileSync('umount', [dir]);
      }
    } finally {
      await client.snapshots.remove('view-three');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs concurrent pulls of images sharing layers', async () => {
    const img = await buildBusyboxImage({ extraLayers: 2, label: 'concurrent' });
    await pushBuiltImage(registry, `${reg.host}/test/conc-a:1`, img);
    await pushBuiltImage(registry, `${reg.host}/test/conc-b:1`, img);
    const names = [`${reg.host}/test/conc-a:1`, `${reg.host}/test/conc-b:1`, `${reg.host}/test/conc-a:1`];
    const res = await Promise.all(names.map((n) => images.pull(n)));
    assert.deepEqual(new Set(res.map((r) => r.id)), new Set([img.configDigest]));
    const top = chainIds(img.diffIds)[2];
    assert.equal((await images.resolveForRun(`${reg.host}/test/conc-b:1`)).chainId, top);
    assert.equal((await client.snapshots.stat(top)).kind, 'COMMITTED');
  });

  it('joins concurrent pulls of one image: one unpack, every caller shown the whole progress', async () => {
    const img = await buildBusyboxImage({ extraLayers: 2, label: 'joined' });
    const name = `${reg.host}/test/joined:1`;
    await pushBuiltImage(registry, name, img);
    const chain = chainIds(img.diffIds);
    const missing = (
      await Promise.all(
        chain.map((c) =>
          client.snapshots.stat(c).then(
            () => 0,
            () => 1,
          ),
        ),
      )
    ).reduce((a: number, b: number) => a + b, 0);
    assert.ok(missing >= 1, 'the image adds layers of its own');
    const stop = new AbortController();
    const prepares: string[] = [];
    const watching = (async () => {
      for await (const e of client.events.subscribe(['topic=="/snapshot/prepare"'], stop.signal))
        prepares.push(String(e.topic));
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200)); // the subscription is in place
    const shown: Msg[][] = [[], [], [], []];
    const first = images.pull(name, { onProgress: (m) => shown[0].push(m) });
    await new Promise((r) => setImmediate(r));
    const rest = shown.slice(1).map((log) => images.pull(name, { onProgress: (m) => log.push(m) }));
    const res = await Promise.all([first, ...rest]);
    assert.deepEqual(new Set(res.map((r) => r.id)), new Set([img.configDigest]));
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    await watching;
    assert.equal(prepares.length, missing, 'each missing layer is unpacked once');
    const lastByLine = (log: Msg[]) => {
      const m = new Map<string, string>();
      for (const x of log) m.set(String(x.id ?? x.status), String(x.status));
      return [...m.entries()];
    };
    assert.ok(shown[0].some((m) => m.status === 'Pull complete'));
    for (const log of shown) {
      assert.deepEqual(lastByLine(log), lastByLine(shown[0]));
      assert.match(String(log[log.length - 1].status), /^Status: Downloaded newer image for /);
    }
    // A pull after the shared one ended is a pull of its own.
    const after: Msg[] = [];
    await images.pull(name, { onProgress: (m) => after.push(m) });
    assert.match(String(after[after.length - 1].status), /Image is up to date/);
  });

  it('pulls the host platform from an OCI index and keeps the index as the target', async () => {
    const repo = registry.repository(parseReference(`${reg.host}/test/multi`), { push: true });
    await pushBuiltImage(registry, `${reg.host}/test/multi:amd`, base);
    await pushBuiltImage(registry, `${reg.host}/test/multi:arm`, three);
    const index = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        {
          mediaType: MediaTypes.ociManifest,
          digest: three.manifestDigest,
          size: three.manifestBlob.length,
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
        },
        {
          mediaType: MediaTypes.ociManifest,
          digest: base.manifestDigest,
          size: base.manifestBlob.length,
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: MediaTypes.ociManifest,
          digest: three.manifestDigest,
          size: three.manifestBlob.length,
          platform: { architecture: 'unknown', os: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
      ],
    };
    const indexBlob = Buffer.from(JSON.stringify(index));
    const indexDigest = await repo.putManifest('latest', MediaTypes.ociIndex, indexBlob);
    const arm = hostPlatform().architecture === 'arm64';
    const want = arm ? three : base;
    const r = await images.pull(`${reg.host}/test/multi`);
    assert.equal(r.id, want.configDigest);
    assert.equal(r.digest, indexDigest);
    const rec = await client.images.get(`${reg.host}/test/multi:latest`);
    assert.equal(rec.target.mediaType, MediaTypes.ociIndex);
    const info = await client.content.info(indexDigest);
    assert.equal(info.labels[`containerd.io/gc.ref.content.m.${arm ? 0 : 1}`], want.manifestDigest);
    assert.equal((await images.inspect(`${reg.host}/test/multi`)).Id, want.configDigest);
    const d = await images.distributionInspect(`${reg.host}/test/multi`);
    assert.deepEqual(d, {
      Descriptor: { mediaType: MediaTypes.ociIndex, digest: indexDigest, size: indexBlob.length },
      Platforms: [
        { architecture: 'arm64', os: 'linux', variant: 'v8' },
        { architecture: 'amd64', os: 'linux' },
      ],
    });
    assert.deepEqual(await images.remove(`${reg.host}/test/multi`), [{ Untagged: `${reg.host}/test/multi:latest` }]);
  });

  it('reports an unknown tag as 404 and a bad reference as 400', async () => {
    await assert.rejects(images.pull(`${reg.host}/test/busybox:nope`), /manifest for .*test\/busybox:nope not found/);
    await assert.rejects(
      images.pull('Bad Ref'),
      (e: Error & { httpStatus?: number }) => e.httpStatus === 400 && /invalid reference format/.test(e.message),
    );
  });

  it('fails a pull whose layer does not match its digest, leaving no image', async () => {
    const img = await buildBusyboxImage({ extraLayers: 1, label: 'corrupt' });
    const r = `${reg.host}/test/corrupt:latest`;
    await pushBuiltImage(registry, r, img);
    const bad = Buffer.from(img.layers[1]);
    bad[bad.length - 1] ^= 0xff;
    writeFileSync(reg.blobDataPath(img.layerDigests[1]), bad);
    await assert.rejects(images.pull(r), /verification failed for digest sha256:/);
    await assert.rejects(client.images.get(r), (e: Error & { httpStatus?: number }) => e.httpStatus === 404);
    assert.equal(await client.content.exists(img.layerDigests[1]), false);
  });

  describe("through containerd's content directory (the daemon's own containerd)", () => {
    let direct: ImageService;
    let other: ContainerdClient;
    const contentRoot = () => path.join(ctd.dataRoot, 'containerd/root/io.containerd.content.v1.content');
    const blobFile = (digest: string) => path.join(contentRoot(), 'blobs/sha256', digest.slice(7));
    const openWrites = () => readdirSync(path.join(contentRoot(), 'ingest'));
    before(async () => {
      other = await ContainerdClient.connect(ctd.address, { namespace: 'tsswarm-images-direct' });
      direct = new ImageService({ client: other, contentDirectory: ctd.supervisor.contentDirectory() });
    });
    after(() => other?.close());

    it('pulls with the layers written to the store and adopted into the namespace and the pull lease', async () => {
      const img = await buildBusyboxImage({ extraLayers: 1, label: 'direct' });
      const r = `${reg.host}/test/direct:latest`;
      await pushBuiltImage(registry, r, img);
      const msgs: Msg[] = [];
      await direct.pull(r, { onProgress: (m) => msgs.push(m) });
      assert.ok(msgs.some((m) => m.status === 'Downloading'));
      for (const d of img.layerDigests) {
        assert.equal((await other.content.info(d)).size, statSync(blobFile(d)).size);
        assert.equal(statSync(blobFile(d)).mode & 0o777, 0o444);
      }
      assert.equal(await client.content.exists(img.layerDigests[1]), false, 'another namespace does not see it');
      assert.equal((await other.snapshots.stat(chainIds(img.diffIds)[1])).kind, 'COMMITTED');
      const man = await other.content.info(img.manifestDigest);
      assert.equal(man.labels['containerd.io/gc.ref.content.l.1'], img.layerDigests[1]);
      assert.deepEqual(await other.leases.list(), [], 'the pull lease is gone');
      assert.deepEqual(openWrites(), [], 'no write left open');
      // Referenced by the image, the adopted blobs outlive a garbage collection.
      await other.leases.create('gc-trigger');
      await other.leases.delete('gc-trigger', true);
      assert.ok(await other.content.exists(img.layerDigests[1]));
    });

    it('fails a layer that does not match its digest, leaving no file in the store', async () => {
      const img = await buildBusyboxImage({ extraLayers: 1, label: 'direct-corrupt' });
      const r = `${reg.host}/test/direct-corrupt:latest`;
      await pushBuiltImage(registry, r, img);
      const bad = Buffer.from(img.layers[1]);
      bad[bad.length - 1] ^= 0xff;
      writeFileSync(reg.blobDataPath(img.layerDigests[1]), bad);
      await assert.rejects(direct.pull(r), /verification failed for digest sha256:/);
      assert.throws(() => statSync(blobFile(img.layerDigests[1])), /ENOENT/);
      assert.equal(await other.content.exists(img.layerDigests[1]), false);
      assert.deepEqual(readdirSync(path.join(contentRoot(), 'tsswarm-incoming')), []);
    });

    it('loads a docker-archive with its layers put in the store the same way', async () => {
      const img = await buildBusyboxImage({ extraLayers: 1, label: 'direct-loaded' });
      const tar = await dockerArchiveOf(img, ['direct/loaded:1']);
      assert.deepEqual(await direct.load(Readable.from([tar])), { loaded: ['direct/loaded:1'] });
      const run = await direct.resolveForRun('direct/loaded:1');
      assert.equal((await other.snapshots.stat(run.chainId)).kind, 'COMMITTED');
      // A docker-archive holds its layers uncompressed: stored under their diff ids.
      for (const d of img.diffIds) assert.equal((await other.content.info(d)).size, statSync(blobFile(d)).size);
      assert.deepEqual(openWrites(), []);
    });

    it('streams a layer that containerd collected between its write and its adoption', async () => {
      // What a garbage collection between the rename and the adoption does: the file is gone.
      class Collected extends ContentDirectory {
        override async write(digest: string, data: AsyncIterable<Buffer>): Promise<void> {
          await super.write(digest, data);
          unlinkSync(blobFile(digest));
        }
      }
      const cd = ctd.supervisor.contentDirectory();
      const collected = new Collected(contentRoot(), path.join(contentRoot(), 'tsswarm-incoming'));
      const svc = new ImageService({ client: other, contentDirectory: collected });
      const img = await buildBusyboxImage({ extraLayers: 1, label: 'direct-collected' });
      const r = `${reg.host}/test/direct-collected:latest`;
      await pushBuiltImage(registry, r, img);
      await svc.pull(r);
      for (const d of img.layerDigests) assert.ok(cd.has(d), 'streamed through Content.Write instead');
      assert.equal((await other.snapshots.stat(chainIds(img.diffIds)[1])).kind, 'COMMITTED');
      assert.deepEqual(openWrites(), []);
    });

    it('adopts only what the store holds', async () => {
      const cd = ctd.supervisor.contentDirectory();
      const data = Buffer.from('a blob of its own');
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      // Under a lease, as in a pull: a blob nothing references is garbage to containerd's collector.
      await other.withLease(async (leased) => {
        assert.equal(await leased.content.adopt({ digest, size: data.length }), false);
        assert.deepEqual(openWrites(), [], 'the refused write is aborted');
        await cd.write(
          digest,
          (async function* () {
            yield data;
          })(),
        );
        assert.equal(cd.has(digest), true);
        assert.equal(await leased.content.adopt({ digest, size: data.length }, { 'tsswarm.test': 'x' }), true);
        assert.equal((await leased.content.info(digest)).labels['tsswarm.test'], 'x');
        assert.deepEqual((await leased.content.readAll(digest)).toString(), 'a blob of its own');
        assert.equal(await leased.content.adopt({ digest, size: data.length }), true, 'twice is no error');
        assert.equal(await leased.content.adopt({ digest, size: data.length }, { 'tsswarm.again': 'y' }), true);
        assert.equal((await leased.content.info(digest)).labels['tsswarm.again'], 'y', 'labels the one there');
        assert.deepEqual(openWrites(), [], 'no writer left behind');
      });
    });
  });

  it('tags, untags and deletes; refuses to remove an image in use without force', async () => {
    await images.tag(ref, 'mine/busybox', 'v2');
    let i = await images.inspect('mine/busybox:v2');
    assert.deepEqual(i.RepoTags, [`${reg.host}/test/busybox:latest`, 'mine/busybox:v2']);
    assert.deepEqual(await images.remove('mine/busybox:v2'), [{ Untagged: 'mine/busybox:v2' }]);
    await assert.rejects(images.inspect('mine/busybox:v2'), /No such image/);
    await assert.rejects(images.tag(ref, 'Bad Repo'), /invalid reference format/);

    inUse.add(base.configDigest);
    await assert.rejects(images.remove(ref), (e: Error & { httpStatus?: number }) => {
      assert.equal(e.httpStatus, 409);
      assert.match(
        e.message,
        /^conflict: unable to remove repository reference ".*" \(must force\) - container is using its referenced image [0-9a-f]{12}$/,
      );
      return true;
    });
    await images.tag(ref, 'other/name');
    await assert.rejects(images.remove(base.configDigest.slice(7, 19)), /must be forced/);
    inUse = new Set();
    assert.deepEqual(await images.remove('other/name'), [{ Untagged: 'other/name:latest' }]);
    i = await images.inspect(ref);
    assert.equal(i.Id, base.configDigest);
  });

  it('loads a docker-archive, saves it, and loads the save again (also as a pure OCI layout)', async () => {
    const img = await buildBusyboxImage({ extraLayers: 1, label: 'loaded' });
    const tar = await dockerArchiveOf(img, ['loaded/busybox:1']);
    const msgs: Msg[] = [];
    assert.deepEqual(await images.load(Readable.from([tar]), { onProgress: (m) => msgs.push(m) }), {
      loaded: ['loaded/busybox:1'],
    });
    assert.deepEqual(msgs, [{ stream: 'Loaded image: loaded/busybox:1\n' }]);
    const i = await images.inspect('loaded/busybox:1');
    assert.equal(i.Id, img.configDigest);
    assert.deepEqual((i.RootFS as Msg).Layers, img.diffIds);
    const run = await images.resolveForRun('loaded/busybox:1');
    assert.equal((await client.snapshots.stat(run.chainId)).kind, 'COMMITTED');

    const saved = await drain(await images.save(['loaded/busybox:1']));
    assert.deepEqual(await images.remove('loaded/busybox:1'), [
      { Untagged: 'loaded/busybox:1' },
      { Deleted: img.configDigest },
    ]);
    await assert.rejects(images.inspect(img.configDigest), /No such image/);
    // Removing the last name lets containerd's GC take the image's own content and snapshots.
    assert.equal(await client.snapshots.exists(run.chainId), false);
    assert.equal(await client.content.exists(img.diffIds[1]), false);
    assert.equal(await client.content.exists(img.configDigest), false);
    assert.equal(await client.snapshots.exists(img.diffIds[0]), true, 'the shared busybox layer stays');

    assert.deepEqual(await images.load(Readable.from([saved])), { loaded: ['loaded/busybox:1'] });
    assert.equal((await images.inspect('loaded/busybox:1')).Id, img.configDigest);
    await images.remove('loaded/busybox:1');

    const oci = await withoutEntries(saved, ['manifest.json']);
    assert.deepEqual(await images.load(Readable.from([oci])), { loaded: ['loaded/busybox:1'] });
    assert.equal((await images.inspect('loaded/busybox:1')).Id, img.configDigest);

    await assert.rejects(
      images.load(Readable.from([Buffer.from('not a tarball at all')])),
      (e: Error & { httpStatus?: number }) => e.httpStatus === 400,
    );
  });

  it('saves a pulled image (gzip layers) and loads it back; rejects a broken archive', async () => {
    const name = `${reg.host}/test/three:v1`;
    const saved = await drain(await images.save([name, three.configDigest]));
    assert.deepEqual(await images.load(Readable.from([saved])), { loaded: [name] });
    assert.equal((await images.inspect(name)).Id, three.configDigest);
    const broken = await withoutEntries(saved, [`blobs/${three.layerDigests[1].replace(':', '/')}`]);
    await assert.rejects(images.load(Readable.from([broken])), (e: Error & { httpStatus?: number }) => {
      assert.equal(e.httpStatus, 400);
      assert.match(e.message, /image tarball: layer blobs\/sha256\/[0-9a-f]{64} is missing/);
      return true;
    });
  });

  it('pushes a local image under a new name and pulls it back by digest', async () => {
    await images.tag('loaded/busybox:1', `${reg.host}/pushed/busybox`, 'x');
    const msgs: Msg[] = [];
    const pushed = await images.push(`${reg.host}/pushed/busybox:x`, { onProgress: (m) => msgs.push(m) });
    assert.equal(msgs[0].status, `The push refers to repository [${reg.host}/pushed/busybox]`);
    assert.ok(msgs.some((m) => m.status === 'Pushed'));
    assert.equal(msgs.find((m) => m.aux)?.aux && (msgs.find((m) => m.aux)!.aux as Msg).Digest, pushed.digest);
    await images.remove(`${reg.host}/pushed/busybox:x`);
    const r = await images.pull(`${reg.host}/pushed/busybox@${pushed.digest}`);
    assert.equal(r.digest, pushed.digest);
    const d = await images.distributionInspect(`${reg.host}/pushed/busybox:x`);
    assert.deepEqual(d, {
      Descriptor: {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        digest: pushed.digest,
        size: pushed.size,
      },
      Platforms: [{ architecture: 'amd64', os: 'linux' }],
    });
    await assert.rejects(
      images.push('never/pulled:1'),
      /An image does not exist locally with the tag: never\/pulled:1/,
    );
  });

  describe('with a token-auth registry', () => {
    let tokReg: TestRegistry | undefined;
    const creds = { username: 'tok', password: 'en' };
    before(async function () {
      const why = tokenAuthUnavailableReason();
      if (why) {
        console.warn(`SKIPPED token-auth pull tests: ${why}`);
        this.skip();
      }
      tokReg = await startTestRegistry({ tokenAuth: creds });
      await pushBuiltImage(registry, `${tokReg.host}/tok/three:1`, three, creds);
    });
    after(async () => tokReg?.stop());

    it('pulls through a bearer token obtained with X-Registry-Auth credentials', async () => {
      const r = await images.pull(`${tokReg!.host}/tok/three:1`, {
        auth: authHeader({ ...creds, serveraddress: tokReg!.host }),
      });
      assert.equal(r.id, three.configDigest);
      const d = await images.distributionInspect(`${tokReg!.host}/tok/three:1`, authHeader(creds));
      assert.equal(d.Descriptor.digest, three.manifestDigest);
      await assert.rejects(images.pull(`${tokReg!.host}/tok/three:1`), /unauthorized/);
    });
  });

  describe('with a basic-auth registry', () => {
    let authReg: TestRegistry | undefined;
    before(async function () {
      if (!htpasswdLine('u', 'p')) {
        console.warn('SKIPPED basic-auth pull tests: no htpasswd (apache2-utils) nor python3 crypt with bcrypt');
        this.skip();
      }
      authReg = await startTestRegistry({ basicAuth: { username: 'tester', password: 's3cret' } });
      await pushBuiltImage(registry, `${authReg.host}/private/busybox:1`, base, {
        username: 'tester',
        password: 's3cret',
      });
    });
    after(async () => authReg?.stop());

    it('pulls with X-Registry-Auth credentials', async () => {
      const auth = authHeader({ username: 'tester', password: 's3cret', serveraddress: authReg!.host });
      const r = await images.pull(`${authReg!.host}/private/busybox:1`, { auth });
      assert.equal(r.id, base.configDigest);
    });

    it('refuses wrong or no credentials with 401 and the registry message', async () => {
      for (const auth of [authHeader({ username: 'tester', password: 'nope' }), 'e30=', undefined]) {
        await assert.rejects(
          images.pull(`${authReg!.host}/private/busybox:1`, { auth }),
          (e: Error & { httpStatus?: number }) => {
            assert.equal(e.httpStatus, 401);
            assert.match(e.message, /unauthorized: authentication required/);
            return true;
          },
        );
      }
    });
  });
});
