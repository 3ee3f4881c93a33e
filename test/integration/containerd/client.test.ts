import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ContainerdClient, digestOf } from '../../../worker/engine/containerd';
import { requireContainerd, startTestContainerd, type TestContainerd } from '../../support/containerd';
import { busyboxLayerTar } from '../../support/busybox-layer';

const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar';

function spec(args: string[], rootfs: string) {
  return {
    ociVersion: '1.0.2',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args, env: ['PATH=/bin'], cwd: '/', noNewPrivileges: true },
    root: { path: rootfs, readonly: false },
    hostname: 'test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
    ],
    linux: { namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }] },
  };
}

describe('containerd client (real containerd)', function () {
  this.timeout(120_000);
  let ctd: TestContainerd;
  let client: ContainerdClient;
  let layer: Buffer;
  let layerDigest: string;
  let work: string;

  before(async function () {
    requireContainerd(this);
    ctd = await startTestContainerd();
    client = await ContainerdClient.connect(ctd.address, { namespace: 'tsswarm-test' });
    layer = await busyboxLayerTar();
    layerDigest = digestOf(layer);
    work = mkdtempSync(path.join(tmpdir(), 'tsswarm-ctd-io-'));
  });

  after(async () => {
    client?.close();
    await ctd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('answers Version', async () => {
    const v = await client.version();
    assert.match(v.version, /\d+\.\d+/);
  });

  it('writes, reads, labels and deletes content by digest', async () => {
    const blob = Buffer.from('hello content store');
    const d = digestOf(blob);
    await client.withLease(async (leased) => {
      // A GC root, or the collector may take the blob as soon as the lease ends.
      await leased.content.write({ digest: d, size: blob.length }, blob, {
        'tsswarm.test': 'yes',
        'containerd.io/gc.root': 'test',
      });
    });
    const info = await client.content.info(d);
    assert.equal(info.size, blob.length);
    assert.equal(info.labels['tsswarm.test'], 'yes');
    assert.deepEqual(await client.content.readAll(d), blob);
    await client.content.write({ digest: d, size: blob.length }, blob); // present already: no error
    await client.content.delete(d);
    assert.equal(await client.content.exists(d), false);
  });

  it('refuses content whose digest does not match, naming the call', async () => {
    const blob = Buffer.from('some bytes');
    await assert.rejects(client.content.write({ digest: digestOf(Buffer.from('other')), size: blob.length }, blob), {
      httpStatus: 409,
      message: /^containerd content\.Write: .*digest/,
    });
  });

  it('streams a blob of many messages from a source of small chunks, in order', async () => {
    const blob = randomBytes(9 << 20);
    const d = digestOf(blob);
    async function* chunks() {
      for (let i = 0; i < blob.length; i += 50_000) yield blob.subarray(i, i + 50_000);
    }
    await client.withLease(async (leased) => {
      await leased.content.write({ digest: d, size: blob.length }, chunks(), { 'containerd.io/gc.root': 'test' });
    });
    assert.ok((await client.content.readAll(d)).equals(blob));
    await client.content.delete(d);
  });

  it('applies a layer onto a snapshot, commits it, and runs a task on it', async () => {
    const exit = await client.withLease(async (leased) => {
      await leased.content.write({ digest: layerDigest, size: layer.length }, layer);
      const mounts = await leased.snapshots.prepare('extract-busybox', '');
      await leased.diff.apply({ mediaType: LAYER_MEDIA_TYPE, digest: layerDigest, size: layer.length }, mounts);
      // A GC root: once the lease ends, containerd's collector would otherwise take the layer
      // before the container's snapshot below is prepared on it.
      await leased.snapshots.commit('busybox-layer', 'extract-busybox', { 'containerd.io/gc.root': 'test' });
      return 0;
    });
    assert.equal(exit, 0);
    const info = await client.snapshots.stat('busybox-layer');
    assert.equal(info.kind, 'COMMITTED');

    // Outside a lease, an unreferenced active snapshot is the collector's until a container names it.
    const rootfs = await client.snapshots.prepare('c1-rootfs', 'busybox-layer', { 'containerd.io/gc.root': 'test' });
    await client.containers.create({
      id: 'c1',
      spec: spec(['sh', '-c', 'echo out; echo err >&2; exit 7'], 'rootfs'),
      snapshotter: 'overlayfs',
      snapshotKey: 'c1-rootfs',
    });

    const ac = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const ev of client.events.subscribe(['topic~="/tasks/"'], ac.signal)) {
        seen.push(ev.topic);
        if (ev.topic === '/tasks/exit') {
          assert.equal(ev.event?.containerId, 'c1');
          assert.equal(ev.event?.exitStatus, 7);
          break;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 200));

    const stdout = path.join(work, 'c1.out');
    const stderr = path.join(work, 'c1.err');
    // The runc shim opens stdio paths as FIFOs or files; plain file paths get the output appended.
    execFileSync('mkfifo', [stdout, stderr]);
    const readFifo = (p: string) =>
      new Promise<string>((resolve) => {
        let s = '';
        createReadStream(p)
          .on('data', (c) => (s += c.toString()))
          .on('end', () => resolve(s));
      });
    const outP = readFifo(stdout);
    const errP = readFifo(stderr);
    await client.tasks.create('c1', rootfs, { stdout, stderr });
    const waiting = client.tasks.wait('c1');
    await client.tasks.start('c1');
    const status = await waiting;
    assert.equal(status.exitStatus, 7);
    assert.equal((await outP).trim(), 'out');
    assert.equal((await errP).trim(), 'err');
    await watching;
    ac.abort();
    assert.ok(seen.includes('/tasks/start'));
    const del = await client.tasks.delete('c1');
    assert.equal(del.exitStatus, 7);
    await client.containers.delete('c1');
    await client.snapshots.remove('c1-rootfs');
    await assert.rejects(client.containers.get('c1'), (e: { httpStatus?: number }) => e.httpStatus === 404);
  });

  it('is restarted by its supervisor after kill -9, and clients reconnect', async () => {
    const pid = ctd.supervisor.pid!;
    const restarted = new Promise<void>((r) => ctd.supervisor.once('restart', () => r()));
    process.kill(pid, 'SIGKILL');
    await restarted;
    assert.notEqual(ctd.supervisor.pid, pid);
    await client.waitForReady(10_000);
    const v = await client.version();
    assert.ok(v.version);
    const blob = Buffer.from('written after a containerd restart');
    await client.content.write({ digest: digestOf(blob), size: blob.length }, blob, {
      'containerd.io/gc.root': 'test',
    });
    assert.deepEqual(await client.content.readAll(digestOf(blob)), blob);
    assert.ok(
      readFileSync(path.join(ctd.dataRoot, 'containerd', 'config.toml'), 'utf8').includes('io.containerd.grpc.v1.cri'),
    );
  });
});
