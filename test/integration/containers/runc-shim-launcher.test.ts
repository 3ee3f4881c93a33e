import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { installRuncShimLauncher, START_HINTS_DIR } from '../../../worker/engine/containerd';
import { ContainerService, ShimStartHints } from '../../../worker/engine/containers';
import { requireContainerd } from '../../support/containerd';
import { until } from '../../support/until';
import { busyboxResolver } from './busybox-resolver';
import { startContainerStack, stopContainerStack, type ContainerStack } from './container-stack';

/**
 * Tasks started through the launcher, with the real runc shim behind a script that records each
 * call: containerd's cleanup after a task delete is answered by the launcher, the cleanup after a
 * shim that died is the real shim's; a task that joins a shim group whose shim is up starts
 * without the real shim's start.
 */
describe('runc shim launcher (real containerd and runc)', function () {
  this.timeout(120_000);
  let stack: ContainerStack;
  let svc: ContainerService;
  let launcher: string;
  const calls = () => readFileSync(path.join(stack.dataRoot, 'shim-calls'), 'utf8');
  const containerdLog = () => readFileSync(path.join(stack.ctd.dataRoot, 'containerd', 'containerd.log'), 'utf8');
  const bundleOf = (id: string) =>
    path.join(stack.ctd.supervisor.stateDir, 'io.containerd.runtime.v2.task', 'tsswarm-launcher-test', id);

  before(async function () {
    requireContainerd(this);
    stack = await startContainerStack({
      namespace: 'tsswarm-launcher-test',
      dataPrefix: 'tsswarm-launcher-',
      bridgeName: 'tswlc0',
      subnet: '10.231.9.0/24',
    });
    const recorder = path.join(stack.dataRoot, 'recording-shim');
    writeFileSync(
      recorder,
      `#!/bin/sh\necho "$*" >> ${stack.dataRoot}/shim-calls\nexec containerd-shim-runc-v2 "$@"\n`,
      { mode: 0o755 },
    );
    writeFileSync(path.join(stack.dataRoot, 'shim-calls'), '');
    const runtimePath = await installRuncShimLauncher(path.join(stack.dataRoot, 'bin'), { realShim: recorder });
    assert.ok(runtimePath);
    launcher = runtimePath;
    svc = new ContainerService({
      client: stack.client,
      images: await busyboxResolver(stack.client),
      network: stack.network,
      dataRoot: stack.dataRoot,
      cgroupParent: 'tsswarm-test-launcher',
      runtimePath,
      shimHints: new ShimStartHints(
        path.join(stack.dataRoot, 'bin', START_HINTS_DIR),
        stack.ctd.supervisor.taskBundles('tsswarm-launcher-test'),
      ),
    });
    await svc.restore();
  });

  after(() => stopContainerStack(stack ?? {}, svc));

  it("answers containerd's cleanup after a task delete without the real shim; the container is gone all the same", async () => {
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
      HostConfig: { NetworkMode: 'none' },
    });
    await svc.start(Id);
    assert.match(calls(), new RegExp(`-id ${Id} start`));
    await svc.stop(Id, { t: 5 });
    await svc.remove(Id);
    await svc.removalsSettled();
    // containerd ran `<launcher> delete` for the task, and the launcher did not hand it on.
    await until(() => containerdLog().includes(`cleaning up dead shim`), 5000, 'the cleanup call');
    assert.doesNotMatch(calls(), new RegExp(`-id ${Id} .*delete`));
    assert.equal(existsSync(bundleOf(Id)), false, 'the bundle is gone');
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(Id), false, 'nothing of it is mounted');
    assert.equal(existsSync(`/run/containerd/runc/tsswarm-launcher-test/${Id}`), false, 'runc has no state of it');
  });

  it('is the shim containerd reloads after a restart: the task still stops and goes through it', async () => {
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
      HostConfig: { NetworkMode: 'none' },
    });
    await svc.start(Id);
    // What a restarted containerd reloads the task's shim through.
    assert.equal(readFileSync(path.join(bundleOf(Id), 'shim-binary-path'), 'utf8'), launcher);
    const restarted = new Promise<void>((r) => stack.ctd.supervisor.once('restart', () => r()));
    process.kill(stack.ctd.supervisor.pid!, 'SIGKILL');
    await restarted;
    await stack.client.waitForReady(10_000);
    await svc.reconcile();
    assert.equal((svc.inspect(Id).State as { Running: boolean }).Running, true);
    await svc.stop(Id, { t: 5 });
    assert.equal((svc.inspect(Id).State as { ExitCode: number }).ExitCode, 0);
    await svc.remove(Id);
    await svc.removalsSettled();
    assert.doesNotMatch(calls(), new RegExp(`-id ${Id} .*delete`));
    assert.equal(existsSync(bundleOf(Id)), false, 'the bundle is gone');
  });

  it('hands the cleanup after a shim that died to the real shim, which ends the container', async () => {
    const { Id } = await svc.create({
      Image: 'busybox',
      Cmd: ['sleep', '3600'],
      HostConfig: { NetworkMode: 'none' },
    });
    await svc.start(Id);
    const pid = (svc.inspect(Id).State as { Pid: number }).Pid;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const shimPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    assert.match(readFileSync(`/proc/${shimPid}/cmdline`, 'utf8'), /containerd-shim-runc-v2/);
    process.kill(shimPid, 'SIGKILL');
    await until(() => !(svc.inspect(Id).State as { Running: boolean }).Running, 20_000, 'the exit');
    assert.equal((svc.inspect(Id).State as { ExitCode: number }).ExitCode, 137);
    assert.match(calls(), new RegExp(`-id ${Id} -bundle \\S+ delete`));
    // Its parent gone, what reaps it is up to the machine: ended is gone or a zombie.
    const ended = () => !existsSync(`/proc/${pid}`) || /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    await until(ended, 5000, "runc delete --force ending the container's process");
  });

  const shimOf = (id: string) => {
    const stat = readFileSync(`/proc/${(svc.inspect(id).State as { Pid: number }).Pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  };
  const sleeper = async () =>
    (await svc.create({ Image: 'busybox', Cmd: ['sleep', '3600'], HostConfig: { NetworkMode: 'none' } })).Id;

  it("starts containers one after another in one shim, the real shim's start run for the first only", async () => {
    const ids = [await sleeper(), await sleeper(), await sleeper()];
    for (const id of ids) await svc.start(id);
    const starts = ids.map((id) => new RegExp(`-id ${id} start`).test(calls()));
    assert.deepEqual(starts, [true, false, false]);
    assert.equal(new Set(ids.map(shimOf)).size, 1, 'one shim serves the three');
    for (const id of ids) {
      assert.equal((svc.inspect(id).State as { Running: boolean }).Running, true);
      assert.equal(
        readFileSync(path.join(bundleOf(id), 'address'), 'utf8'),
        readFileSync(path.join(bundleOf(ids[0]!), 'address'), 'utf8'),
      );
    }
    for (const id of ids) await svc.remove(id, { force: true });
    await svc.removalsSettled();
  });

  it("starts a container through the real shim when its group's shim was killed and left its socket", async () => {
    const first = await sleeper();
    await svc.start(first);
    const socket = readFileSync(path.join(bundleOf(first), 'address'), 'utf8').replace('unix://', '');
    const next = await sleeper();
    process.kill(shimOf(first), 'SIGKILL');
    assert.equal(existsSync(socket), true, 'the dead shim left its socket');
    await svc.start(next);
    assert.equal((svc.inspect(next).State as { Running: boolean }).Running, true);
    assert.notEqual(shimOf(next), 0);
    assert.match(calls(), new RegExp(`-id ${next} start`), 'the real shim started it');
    // In the same group: the hint named the dead shim, and the real shim's start replaced it.
    assert.equal(readFileSync(path.join(bundleOf(next), 'address'), 'utf8'), `unix://${socket}`);
    await until(() => !(svc.inspect(first).State as { Running: boolean }).Running, 20_000, 'the first one ending');
    for (const id of [first, next]) await svc.remove(id, { force: true });
    await svc.removalsSettled();
  });
});
