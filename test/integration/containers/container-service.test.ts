import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ContainerdClient } from '../../../worker/engine/containerd';
import { ContainerService, parseStdcopy } from '../../../worker/engine/containers';
import { NetworkManager } from '../../../worker/network';
import { requireContainerd, type TestContainerd } from '../../support/containerd';
import { netnsList } from '../network/netns-tools';
import { busyboxResolver } from './busybox-resolver';
import { startContainerStack, stopContainerStack } from './container-stack';

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function text(buf: Buffer, stream?: 'stdout' | 'stderr'): string {
  return parseStdcopy(buf)
    .filter((f) => !stream || f.stream === stream)
    .map((f) => f.data.toString())
    .join('');
}

describe('container service (real containerd, runc, CNI)', function () {
  this.timeout(120_000);
  let ctd: TestContainerd;
  let client: ContainerdClient;
  let dataRoot: string;
  let network: NetworkManager;
  let svc: ContainerService;
  let images: Awaited<ReturnType<typeof busyboxResolver>>;

  before(async function () {
    requireContainerd(this);
    ({ ctd, client, dataRoot, network } = await startContainerStack({
      namespace: 'tsswarm-ctr-test',
      dataPrefix: 'tsswarm-ctr-',
      bridgeName: 'tswct0',
      subnet: '10.231.7.0/24',
    }));
    images = await busyboxResolver(client);
    svc = new ContainerService({ client, images, network, dataRoot, cgroupParent: 'tsswarm-test' });
    await svc.restore();
  });

  after(() => stopContainerStack({ ctd, client, dataRoot, network }, svc));

  it('runs a command, keeps its output apart by stream, and reports its exit code', async () => {
    const { Id } = await svc.create(
      { Image: 'busybox', Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], HostConfig: { NetworkMode: 'none' } },
      'exit3',
    );
    const waiting = svc.wait(Id, 'next-exit');
    await svc.start(Id);
    assert.deepEqual(await waiting, { StatusCode: 3 });
    const logs = await collect(svc.logs(Id, { stdout: true, stderr: true }));
    assert.equal(text(logs, 'stdout'), 'out\n');
    assert.equal(text(logs, 'stderr'), 'err\n');
    const st = svc.inspect(Id).State as { Status: string; ExitCode: number };
    assert.equal(st.Status, 'exited');
    assert.equal(st.ExitCode, 3);
  });

  it('confines a container with the default seccomp profile; unconfined and a custom profile as asked', async () => {
    const run = async (name: string, script: string, securityOpt?: string[]) => {
      const { Id } = await svc.create(
        { Image: 'busybox', Cmd: ['sh', '-c', script], HostConfig: { NetworkMode: 'none', SecurityOpt: securityOpt } },
        name,
      );
      const waiting = svc.wait(Id, 'next-exit');
      await svc.start(Id);
      const { StatusCode } = await waiting;
      const logs = await collect(svc.logs(Id, { stdout: true, stderr: true }));
      await svc.remove(Id, { force: true });
      return { code: StatusCode, out: text(logs, 'stdout') + text(logs, 'stderr') };
    };
    // A user namespace needs no capability; the profile is what refuses it.
    const probe = 'grep "^Seccomp:" /proc/self/status; busybox unshare -U true && echo userns-made';
    const confined = await run('seccomp-default', probe);
    assert.match(confined.out, /^Seccomp:\s+2$/m);
    assert.doesNotMatch(confined.out, /userns-made/);
    const free = await run('seccomp-unconfined', probe, ['seccomp=unconfined']);
    assert.match(free.out, /^Seccomp:\s+0$/m);
    assert.match(free.out, /userns-made/);
    const profile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    };
    const custom = await run('seccomp-custom', 'mkdir /tmp/x && echo made', [`seccomp=${JSON.stringify(profile)}`]);
    assert.notEqual(custom.code, 0);
    assert.match(custom.out, /Operation not permitted/);
  });

  it('runs a none-network container in a namespace of its own with lo up, and no named one on the host', async () => {
    const before = (await netnsList()).length;
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'ip -o link show; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo lo-works; sleep 30'],
      HostConfig: { NetworkMode: 'none' },
    });
    await svc.start(Id);
    const ns = svc.inspect(Id).NetworkSettings as { SandboxKey: string; Networks: Record<string, unknown> };
    const pid = (svc.inspect(Id).State as { Pid: number }).Pid;
    assert.equal(ns.SandboxKey, `/proc/${pid}/ns/net`);
    assert.deepEqual(Object.keys(ns.Networks), ['none']);
    assert.equal((await netnsList()).length, before);
    let out = '';
    for (let i = 0; i < 50 && !out.includes('lo-works'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      out = text(await collect(svc.logs(Id, { stdout: true })));
    }
    const links = out.split('\n').filter((l) => /^\d+: /.test(l));
    assert.equal(links.length, 1, out);
    assert.match(links[0], /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
    assert.match(out, /lo-works/);
    await svc.remove(Id, { force: true });
  });

  it('applies env, working dir, user and hostname', async () => {
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'echo "$FOO $(pwd) $(id -u):$(id -g) $(hostname)"'],
      Env: ['FOO=bar'],
      WorkingDir: '/tmp',
      User: 'nobody',
      Hostname: 'h1',
      HostConfig: { NetworkMode: 'none' },
    });
    const waiting = svc.wait(Id, 'next-exit');
    await svc.start(Id);
    assert.equal((await waiting).StatusCode, 0);
    assert.equal(text(await collect(svc.logs(Id, { stdout: true }))), 'bar /tmp 65534:65534 h1\n');
  });

  it('stops with the stop signal, and kills after the grace period when it is ignored', async () => {
    const polite = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'],
      HostConfig: { NetworkMode: 'none' },
    });
    await svc.start(polite.Id);
    await new Promise((r) => setTimeout(r, 300));
    await svc.stop(polite.Id, { t: 10 });
    assert.equal((svc.inspect(polite.Id).State as { ExitCode: number }).ExitCode, 0);

    const stubborn = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'],
      HostConfig: { NetworkMode: 'none' },
    });
    await svc.start(stubborn.Id);
    await new Promise((r) => setTimeout(r, 300));
    await svc.stop(stubborn.Id, { t: 1 });
    assert.equal((svc.inspect(stubborn.Id).State as { ExitCode: number }).ExitCode, 137);
  });

  it('restarts on failure as many times as the policy allows', async () => {
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'echo run; exit 1'],
      HostConfig: { NetworkMode: 'none', RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    await svc.start(Id);
    for (let i = 0; i < 100; i++) {
      const r = svc.get(Id);
      if (r.RestartCount === 2 && r.State.Status === 'exited') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const r = svc.get(Id);
    assert.equal(r.RestartCount, 2);
    assert.equal(r.State.Status, 'exited');
    assert.equal(text(await collect(svc.logs(Id, { stdout: true }))), 'run\nrun\nrun\n');
  });

  it('mounts binds and named volumes', async () => {
    const host = mkdtempSync(path.join(tmpdir(), 'tsswarm-bind-'));
    writeFileSync(path.join(host, 'in.txt'), 'from host');
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'cat /h/in.txt > /v/copy.txt; echo written > /h/out.txt'],
      HostConfig: { NetworkMode: 'none', Binds: [`${host}:/h`, 'data1:/v'] },
    });
    const waiting = svc.wait(Id, 'next-exit');
    await svc.start(Id);
    assert.equal((await waiting).StatusCode, 0);
    assert.equal(readFileSync(path.join(host, 'out.txt'), 'utf8'), 'written\n');
    assert.equal(readFileSync(path.join(dataRoot, 'volumes', 'data1', '_data', 'copy.txt'), 'utf8'), 'from host');
    rmSync(host, { recursive: true, force: true });
  });

  it('puts memory and pids limits in the container cgroup', async () => {
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sleep', '30'],
      HostConfig: { NetworkMode: 'none', Memory: 64 << 20, PidsLimit: 50 },
    });
    await svc.start(Id);
    const mem = ['/sys/fs/cgroup/memory/tsswarm-test', '/sys/fs/cgroup/tsswarm-test'].map((d) => path.join(d, Id));
    const memFile = existsSync(path.join(mem[0], 'memory.limit_in_bytes'))
      ? path.join(mem[0], 'memory.limit_in_bytes')
      : path.join(mem[1], 'memory.max');
    assert.equal(readFileSync(memFile, 'utf8').trim(), String(64 << 20));
    const pidsFile = [
      path.join('/sys/fs/cgroup/pids/tsswarm-test', Id, 'pids.max'),
      path.join('/sys/fs/cgroup/tsswarm-test', Id, 'pids.max'),
    ].find(existsSync)!;
    assert.equal(readFileSync(pidsFile, 'utf8').trim(), '50');
    await svc.remove(Id, { force: true });
  });

  it('gives a bridge container an address and a resolv.conf', async () => {
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'ip -4 addr show eth0 | grep -o "inet [0-9.]*"; cat /etc/hostname'],
    });
    const waiting = svc.wait(Id, 'next-exit');
    await svc.start(Id);
    assert.equal((await waiting).StatusCode, 0);
    const out = text(await collect(svc.logs(Id, { stdout: true })));
    assert.match(out, /inet 10\.231\.7\.\d+/);
    assert.ok(out.includes(Id.slice(0, 12)));
  });

  it('answers a start once the record on disk says running, with its sandbox (a kill -9 right after loses nothing)', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep', '60'] });
    await svc.start(Id);
    const rec = JSON.parse(readFileSync(path.join(dataRoot, 'containers', Id, 'config.v2.json'), 'utf8'));
    assert.equal(rec.State.Running, true);
    assert.equal(rec.State.Pid, (svc.inspect(Id).State as { Pid: number }).Pid);
    assert.ok(rec.Sandbox, 'the sandbox is recorded');
    await svc.remove(Id, { force: true });
  });

  it('re-adopts a running container after a restart of the service (live restore)', async () => {
    const { Id } = await svc.create(
      {
        Image: 'busybox',
        Cmd: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'],
        HostConfig: { NetworkMode: 'none' },
      },
      'ticker',
    );
    await svc.start(Id);
    await new Promise((r) => setTimeout(r, 500));
    await svc.close();
    const before = text(await collect(svc.logs(Id, { stdout: true }))).split('\n').length;
    svc = new ContainerService({ client, images, network, dataRoot, cgroupParent: 'tsswarm-test' });
    await svc.restore();
    assert.equal(svc.get('ticker').State.Running, true);
    await new Promise((r) => setTimeout(r, 800));
    const after = text(await collect(svc.logs(Id, { stdout: true }))).split('\n').length;
    assert.ok(after > before, `log kept growing after the restore (${before} -> ${after})`);
    await svc.stop(Id, { t: 1 });
    assert.equal(svc.get(Id).State.Running, false);
  });

  it('survives a containerd restart: events resume and exits are seen', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep', '1'], HostConfig: { NetworkMode: 'none' } });
    await svc.start(Id);
    const restarted = new Promise<void>((r) => ctd.supervisor.once('restart', () => r()));
    process.kill(ctd.supervisor.pid!, 'SIGKILL');
    await restarted;
    await client.waitForReady(10_000);
    await svc.reconcile();
    const { StatusCode } = await svc.wait(Id, 'not-running');
    assert.equal(StatusCode, 0);
  });

  it('refuses bad input with a 4xx naming the field, and leaves nothing behind', async () => {
    const dirsBefore = readdirSync(path.join(dataRoot, 'containers')).length;
    const cases: Array<[unknown, number, RegExp]> = [
      [{ Image: 'busybox', Cmd: 'x', Env: 'notalist' }, 400, /Env/],
      [{ Cmd: ['sh'] }, 400, /Image/],
      [{ Image: 'busybox', HostConfig: { Memory: 'lots' } }, 400, /HostConfig\.Memory/],
      [{ Image: 'busybox', HostConfig: { Binds: ['relative:path'] } }, 400, /absolute/],
      [{ Image: 'busybox', HostConfig: { Binds: ['/does/not/exist:/x'] } }, 400, /does not exist/],
      [{ Image: 'busybox', User: 'nosuchuser' }, 400, /nosuchuser/],
      [{ Image: 'missing:1' }, 404, /No such image/],
    ];
    for (const [body, status, re] of cases) {
      await assert.rejects(
        svc.create(body),
        (e: { httpStatus: number; message: string }) => e.httpStatus === status && re.test(e.message),
        JSON.stringify(body),
      );
    }
    await assert.rejects(
      svc.create({ Image: 'busybox' }, 'bad name!'),
      (e: { httpStatus: number }) => e.httpStatus === 400,
    );
    await assert.rejects(
      svc.create({ Image: 'busybox' }, 'exit3'),
      (e: { httpStatus: number; message: string }) => e.httpStatus === 409 && /already in use/.test(e.message),
    );
    assert.equal(readdirSync(path.join(dataRoot, 'containers')).length, dirsBefore);
    const snaps = (await client.snapshots.list()).filter((s) => s.kind === 'ACTIVE');
    assert.equal(snaps.length, svc.list({ all: true }).length, 'one active snapshot per container, none leaked');
  });

  it('gives a name to one of two creates that ask for it at once; the other is a 409 and leaves nothing', async () => {
    const dirsBefore = readdirSync(path.join(dataRoot, 'containers')).length;
    const results = await Promise.allSettled([
      svc.create({ Image: 'busybox', Cmd: ['true'] }, 'twin'),
      svc.create({ Image: 'busybox', Cmd: ['true'] }, 'twin'),
    ]);
    const made = results.filter((r) => r.status === 'fulfilled') as Array<PromiseFulfilledResult<{ Id: string }>>;
    assert.equal(made.length, 1);
    const refused = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    assert.equal(refused.httpStatus, 409);
    assert.match(refused.message, new RegExp(`"/twin" is already in use by container "${made[0].value.Id}"`));
    assert.equal(readdirSync(path.join(dataRoot, 'containers')).length, dirsBefore + 1);
    await svc.remove('twin');
  });

  it('renames: the record on disk has the new name, the old one is taken until then and free after, a held name is a 409', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['true'] }, 'before-rename');
    const { Id: other } = await svc.create({ Image: 'busybox', Cmd: ['true'] }, 'held-name');
    await assert.rejects(svc.rename(Id, 'held-name'), (e: { httpStatus: number }) => e.httpStatus === 409);
    const renaming = svc.rename(Id, 'after-rename');
    // While the record is written the old name is still this container's.
    await assert.rejects(
      svc.create({ Image: 'busybox', Cmd: ['true'] }, 'before-rename'),
      (e: { httpStatus: number; message: string }) => e.httpStatus === 409 && e.message.includes(Id),
    );
    await renaming;
    const rec = JSON.parse(readFileSync(path.join(dataRoot, 'containers', Id, 'config.v2.json'), 'utf8'));
    assert.equal(rec.Name, '/after-rename');
    assert.equal(svc.inspect('after-rename').Id, Id);
    const { Id: reuse } = await svc.create({ Image: 'busybox', Cmd: ['true'] }, 'before-rename');
    for (const id of [Id, other, reuse]) await svc.remove(id);
  });

  it('answers a removal before containerd is cleaned up: the name is free at once, and nothing is left after', async () => {
    const { Id } = await svc.create(
      { Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'none' } },
      'removed-fast',
    );
    await svc.start(Id);
    await svc.stop(Id, { t: 0 });
    await svc.remove(Id);
    assert.throws(
      () => svc.get(Id),
      (e: { httpStatus: number }) => e.httpStatus === 404,
    );
    assert.ok(!svc.list({ all: true }).some((c) => c.Id === Id));
    const again = await svc.create(
      { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } },
      'removed-fast',
    );
    await svc.removalsSettled();
    assert.equal(await client.snapshots.exists(Id), false, 'snapshot removed');
    assert.ok(!(await client.containers.list()).some((c) => c.id === Id), 'containerd container deleted');
    assert.equal(existsSync(path.join(dataRoot, 'containers', Id)), false, 'directory removed');
    await svc.remove(again.Id);
  });

  it('finishes after a restart the cleanup of a container removed just before the service stopped', async () => {
    // What a daemon that stopped right after answering the removal leaves: the removal marker
    // beside the record (or, from a daemon before the marker, the tombstone in the record).
    const leftovers: Array<(dir: string) => void> = [
      (dir) => writeFileSync(path.join(dir, 'removal.json'), JSON.stringify({ Volumes: false })),
      (dir) => {
        const file = path.join(dir, 'config.v2.json');
        const rec = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        writeFileSync(file, JSON.stringify({ ...rec, Removed: { Volumes: false } }));
      },
    ];
    for (const leave of leftovers) {
      const { Id } = await svc.create(
        { Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'none' } },
        'tombstoned',
      );
      await svc.start(Id);
      await svc.stop(Id, { t: 0 });
      await svc.close();
      leave(path.join(dataRoot, 'containers', Id));
      assert.equal(await client.snapshots.exists(Id), true);
      svc = new ContainerService({ client, images, network, dataRoot, cgroupParent: 'tsswarm-test' });
      await svc.restore();
      assert.throws(
        () => svc.get('tombstoned'),
        (e: { httpStatus: number }) => e.httpStatus === 404,
      );
      const again = await svc.create(
        { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } },
        'tombstoned',
      );
      await svc.removalsSettled();
      assert.equal(await client.snapshots.exists(Id), false, 'snapshot removed');
      assert.ok(!(await client.containers.list()).some((c) => c.id === Id), 'containerd container deleted');
      assert.ok(!(await client.tasks.list()).some((t) => t.containerId === Id), 'task deleted');
      assert.equal(existsSync(path.join(dataRoot, 'containers', Id)), false, 'directory removed');
      await svc.remove(again.Id);
    }
  });

  it('refuses to remove a running container without force', async () => {
    const { Id } = await svc.create({ Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'none' } });
    await svc.start(Id);
    await assert.rejects(svc.remove(Id), (e: { httpStatus: number }) => e.httpStatus === 409);
    await svc.remove(Id, { force: true });
    assert.throws(
      () => svc.get(Id),
      (e: { httpStatus: number }) => e.httpStatus === 404,
    );
  });
});
