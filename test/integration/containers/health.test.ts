import assert from 'node:assert/strict';
import { ContainerdClient } from '../../../worker/engine/containerd';
import {
  ContainerService,
  type HealthState,
  type ImageResolver,
  type OciImageConfig,
} from '../../../worker/engine/containers';
import { EventBus, type EngineEvent } from '../../../worker/events';
import { NetworkManager } from '../../../worker/network';
import { requireContainerd, type TestContainerd } from '../../support/containerd';
import { until } from '../../support/until';
import { busyboxResolver } from './busybox-resolver';
import { startContainerStack, stopContainerStack } from './container-stack';

const MS = 1e6;

describe('container health checks (real containerd, runc)', function () {
  this.timeout(120_000);
  let ctd: TestContainerd;
  let client: ContainerdClient;
  let dataRoot: string;
  let network: NetworkManager;
  let svc: ContainerService;
  let images: ImageResolver;
  const events = new EventBus();
  const seen: EngineEvent[] = [];
  events.subscribe((e) => seen.push(e));

  const service = () =>
    new ContainerService({ client, images, network, dataRoot, cgroupParent: 'tsswarm-test-health', events });
  const health = (id: string) => svc.get(id).State.Health as HealthState;
  const ids = (filters: Record<string, string[]>) => svc.list({ all: true, filters }).map((c) => c.Id);
  const statusOf = (id: string) => svc.list({ all: true }).find((c) => c.Id === id)?.Status as string;
  const run = async (id: string, cmd: string[]) => {
    const { Id } = svc.execs.create(id, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
    await svc.execs.run(svc.execs.claim(Id, {}), { write: () => undefined });
    return Id;
  };
  const create = async (body: Record<string, unknown>) =>
    (await svc.create({ Image: 'busybox', Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'none' }, ...body })).Id;

  before(async function () {
    requireContainerd(this);
    ({ ctd, client, dataRoot, network } = await startContainerStack({
      namespace: 'tsswarm-health-test',
      dataPrefix: 'tsswarm-health-',
      bridgeName: 'tswhc0',
      subnet: '10.231.9.0/24',
    }));
    const busybox = await busyboxResolver(client);
    // "checked-image" carries a HEALTHCHECK, as a built image would.
    images = {
      async resolveForRun(ref: string) {
        const r = await busybox.resolveForRun(ref);
        if (!ref.startsWith('checked-image')) return r;
        const config: OciImageConfig = {
          config: { ...r.config.config, Healthcheck: { Test: ['CMD', 'false'], Interval: 30e9, Retries: 7 } },
        };
        return { ...r, config };
      },
    };
    svc = service();
    await svc.restore();
  });

  after(() => stopContainerStack({ ctd, client, dataRoot, network }, svc));

  it('CMD-SHELL test -f /tmp/ok: starting, then healthy once the file is made; inspect, ps and the event show it', async () => {
    const id = await create({
      // A long start period: the failures before the file exists do not count.
      Healthcheck: {
        Test: ['CMD-SHELL', 'test -f /tmp/ok'],
        Interval: 200 * MS,
        Retries: 2,
        StartPeriod: 600e9,
        StartInterval: 200 * MS,
      },
    });
    const plain = await create({});
    assert.equal(svc.get(id).State.Health, undefined, 'no health before the first start');
    assert.deepEqual(ids({ health: ['none'] }).sort(), [id, plain].sort());
    await svc.start(id);
    await svc.start(plain);
    assert.equal(health(id).Status, 'starting');
    await until(() => health(id).Log.length >= 2, 20_000, 'two failed probes');
    assert.equal(health(id).Status, 'starting');
    assert.equal(health(id).FailingStreak, 0);
    assert.equal(health(id).Log[0].ExitCode, 1);
    assert.match(statusOf(id), /^Up .* \(health: starting\)$/);
    assert.deepEqual(ids({ health: ['starting'] }), [id]);
    assert.deepEqual(ids({ health: ['none'] }), [plain]);

    const touch = await run(id, ['touch', '/tmp/ok']);
    await until(() => health(id).Status === 'healthy', 20_000, 'healthy');
    const st = svc.inspect(id).State as { Health: HealthState };
    assert.deepEqual(Object.keys(st.Health).sort(), ['FailingStreak', 'Log', 'Status']);
    assert.equal(st.Health.FailingStreak, 0);
    const last = st.Health.Log.at(-1)!;
    assert.deepEqual(Object.keys(last).sort(), ['End', 'ExitCode', 'Output', 'Start']);
    assert.equal(last.ExitCode, 0);
    assert.ok(Date.parse(last.End) >= Date.parse(last.Start));
    assert.ok(st.Health.Log.length <= 5);
    assert.match(statusOf(id), /^Up .* \(healthy\)$/);
    assert.deepEqual(ids({ health: ['healthy'] }), [id]);
    assert.deepEqual(ids({ health: ['starting', 'unhealthy'] }), []);
    const ev = seen.find((e) => e.Actor.ID === id && e.Action === 'health_status: healthy');
    assert.ok(ev, 'health_status: healthy was published');
    assert.equal(ev.Type, 'container');
    assert.equal(ev.status, 'health_status: healthy');
    assert.equal(ev.Actor.Attributes.image, 'busybox');
    await until(
      () => {
        const execs = svc.inspect(id).ExecIDs as string[];
        return execs.length === 1 && execs[0] === touch;
      },
      20_000,
      'no probe left as an exec instance',
    );
    await svc.remove(plain, { force: true });
  });

  it('a failing check goes unhealthy after Retries, with the probe output logged and the event emitted', async () => {
    const id = await create({
      Healthcheck: { Test: ['CMD-SHELL', 'echo not ready; exit 1'], Interval: 200 * MS, Retries: 2 },
    });
    await svc.start(id);
    await until(() => health(id).Status === 'unhealthy', 20_000, 'unhealthy');
    assert.ok(health(id).FailingStreak >= 2);
    assert.equal(health(id).Log[0].Output, 'not ready\n');
    assert.equal(health(id).Log[0].ExitCode, 1);
    assert.match(statusOf(id), /^Up .* \(unhealthy\)$/);
    assert.ok(ids({ health: ['unhealthy'] }).includes(id));
    assert.ok(seen.some((e) => e.Actor.ID === id && e.Action === 'health_status: unhealthy'));
    assert.equal(seen.filter((e) => e.Actor.ID === id && e.Action.startsWith('health_status')).length, 1);
    await svc.remove(id, { force: true });
  });

  it('a probe over its timeout is killed and logged as Docker words it', async () => {
    const id = await create({
      Healthcheck: { Test: ['CMD', 'sleep', '30'], Interval: 200 * MS, Timeout: 300 * MS, Retries: 1 },
    });
    await svc.start(id);
    await until(() => (svc.get(id).State.Health?.Log.length ?? 0) >= 1, 20_000, 'a timed-out probe');
    assert.deepEqual(
      { code: health(id).Log[0].ExitCode, out: health(id).Log[0].Output },
      { code: -1, out: 'Health check exceeded timeout (300ms)' },
    );
    assert.equal(health(id).Status, 'unhealthy');
    await svc.remove(id, { force: true });
  });

  it('stops with the container (status unhealthy, no more probes) and starts over with it; live restore re-runs it', async () => {
    const id = await create({ Healthcheck: { Test: ['CMD', 'true'], Interval: 200 * MS }, StopTimeout: 1 });
    await svc.start(id);
    await until(() => health(id).Status === 'healthy', 20_000, 'healthy');
    await svc.stop(id, { t: 1 });
    assert.equal(health(id).Status, 'unhealthy', 'as Docker shows a stopped checked container');
    const n = health(id).Log.length;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(health(id).Log.length, n, 'no probe runs after the stop');
    assert.match(statusOf(id), /^Exited/);

    const events = seen.length;
    await svc.start(id);
    assert.equal(health(id).Status, 'starting');
    assert.equal(health(id).FailingStreak, 0);
    await until(() => health(id).Status === 'healthy', 20_000, 'healthy again');
    assert.ok(seen.slice(events).some((e) => e.Actor.ID === id && e.Action === 'health_status: healthy'));

    // The daemon goes away and comes back: the running container is checked again.
    await svc.close();
    const restoredAt = Date.now();
    svc = service();
    await svc.restore();
    assert.equal(svc.get(id).State.Running, true);
    assert.equal(health(id).Status, 'starting', 'a restored container starts over, as in Docker');
    await until(
      () => health(id).Status === 'healthy' && health(id).Log.some((r) => Date.parse(r.Start) >= restoredAt),
      20_000,
      'a probe after the restore',
    );
    await svc.remove(id, { force: true });
  });

  it('merges the image HEALTHCHECK under the container fields; NONE turns it off', async () => {
    const merged = await create({ Image: 'checked-image', Healthcheck: { Interval: 200 * MS, Retries: 1 } });
    assert.deepEqual((svc.inspect(merged).Config as { Healthcheck: unknown }).Healthcheck, {
      Test: ['CMD', 'false'],
      Interval: 200 * MS,
      Retries: 1,
    });
    await svc.start(merged);
    await until(() => svc.get(merged).State.Health?.Status === 'unhealthy', 20_000, 'unhealthy by the image test');
    const off = await create({ Image: 'checked-image', Healthcheck: { Test: ['NONE'] } });
    await svc.start(off);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(svc.get(off).State.Health, undefined);
    assert.ok(ids({ health: ['none'] }).includes(off));
    for (const c of [merged, off]) await svc.remove(c, { force: true });
  });

  it('refuses a bad healthcheck at create with Docker 400 messages, and a bad health filter', async () => {
    await assert.rejects(
      svc.create({ Image: 'busybox', Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } }),
      (e: { httpStatus: number; message: string }) =>
        e.httpStatus === 400 && e.message === 'Interval in Healthcheck cannot be less than 1ms',
    );
    await assert.rejects(
      svc.create({ Image: 'busybox', Healthcheck: { Retries: -2 } }),
      (e: { message: string }) => e.message === 'Retries in Healthcheck cannot be negative',
    );
    assert.throws(
      () => svc.list({ filters: { health: ['sick'] } }),
      (e: { httpStatus: number }) => e.httpStatus === 400,
    );
  });
});
