import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { TaskState, TaskStatus } from '../../../src/api';
import {
  TASK_ID_LABEL,
  TaskFiles,
  TaskManager,
  isMountPoint,
  type AssignedTask,
  type TaskImages,
  type TaskStatusUpdate,
} from '../../../worker/agent/tasks';
import type { ImagesFactory } from '../../../worker/daemon/daemon';
import type { ContainerService } from '../../../worker/engine/containers';
import { requireContainerd } from '../../support/containerd';
import { busyboxImages, startTestDaemon, type TestDaemon } from '../../support/daemon';

const NODE = 'wzxgg6enztzhms3n7x1wi6o2i';
let seq = 0;

function task(args: string[], o: Partial<AssignedTask> & { image?: string } = {}): AssignedTask {
  const id = `task${Date.now().toString(36)}${seq++}`;
  const { image, ...rest } = o;
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: new Date().toISOString(),
    UpdatedAt: new Date().toISOString(),
    ServiceID: 'svc1',
    ServiceAnnotations: { Name: 'web' },
    Slot: seq,
    NodeID: NODE,
    // A short grace: removal stops the container first, and sleep as PID 1 ignores TERM.
    Spec: { ContainerSpec: { Image: image ?? 'busybox:latest', Args: args, StopGracePeriod: 300_000_000 } },
    Status: { State: 'assigned', Message: 'assigned' },
    DesiredState: 'running',
    ...rest,
  };
}

/**
 * Busybox for every name, except that "missing…" images exist nowhere and "pullme…" images
 * exist only once pulled (the pull records the auth it was given).
 */
function testImages(pulls: Array<{ ref: string; auth?: string }>): ImagesFactory {
  return (deps) => {
    const inner = busyboxImages()(deps);
    const pulled = new Set<string>();
    return {
      ...inner,
      async resolveForRun(ref: string) {
        if (ref.startsWith('pullme') && !pulled.has(ref))
          throw Object.assign(new Error(`No such image: ${ref}`), { httpStatus: 404 });
        return inner.resolveForRun(ref);
      },
      async pull(ref: string, o: { auth?: string }) {
        pulls.push({ ref, auth: o.auth });
        if (!ref.startsWith('pullme'))
          throw Object.assign(new Error(`manifest for ${ref} not found`), { httpStatus: 404 });
        pulled.add(ref);
        return {};
      },
    };
  };
}

describe('TaskManager (real daemon, containerd, runc)', function () {
  this.timeout(120_000);
  let td: TestDaemon;
  let containers: ContainerService;
  let images: TaskImages;
  let mgr: TaskManager;
  const pulls: Array<{ ref: string; auth?: string }> = [];
  const batches: TaskStatusUpdate[][] = [];

  const newManager = async () => {
    const m = new TaskManager({ containers, images, nodeId: NODE, dataRoot: td.dataRoot, events: td.daemon.events });
    m.onStatus((u) => batches.push(u));
    await m.start();
    return m;
  };

  before(async function () {
    requireContainerd(this);
    const factory = testImages(pulls);
    td = await startTestDaemon(17, (deps) => {
      const b = factory(deps);
      images = b as TaskImages;
      return b;
    });
    containers = (td.daemon as unknown as { containers: ContainerService }).containers;
    mgr = await newManager();
  });

  after(async () => {
    await mgr?.stop();
    // A failed test may leave a task's secrets tmpfs mounted in the data root the daemon deletes.
    const tasksDir = td ? path.join(td.dataRoot, 'tasks') : '';
    if (tasksDir && existsSync(tasksDir))
      for (const id of readdirSync(tasksDir)) await new TaskFiles(td.dataRoot, id).remove().catch(() => undefined);
    await td?.stop();
  });

  /** Resolves with the task's status once it reaches `state` (or a terminal state, which fails the test). */
  async function waitFor(m: TaskManager, id: string, state: TaskState, ms = 30_000): Promise<TaskStatus> {
    const end = Date.now() + ms;
    for (;;) {
      const s = m.statusOf(id);
      if (s?.State === state) return s;
      if (s && ['complete', 'shutdown', 'failed', 'rejected'].includes(s.State))
        assert.fail(`task ${id} is ${s.State} (${s.Err ?? s.Message}), not ${state}`);
      if (Date.now() > end) assert.fail(`task ${id} is still ${s?.State}, not ${state}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const reported = (id: string) =>
    batches
      .flat()
      .filter((u) => u.taskId === id)
      .map((u) => u.status);

  it("runs a task and reports running with its container's PID; the container is named and labelled as Docker's", async () => {
    const t = task(['sleep', '3600']);
    mgr.setAssignments([t]);
    const s = await waitFor(mgr, t.ID, 'running');
    const r = containers.get(s.ContainerStatus!.ContainerID!);
    assert.ok(r.State.Running);
    assert.equal(s.ContainerStatus!.PID, r.State.Pid);
    assert.ok(s.ContainerStatus!.PID! > 0);
    assert.equal(s.Message, 'started');
    assert.equal(r.Name, `/web.${t.Slot}.${t.ID}`);
    assert.equal(r.Config.Labels[TASK_ID_LABEL], t.ID);
    assert.equal(r.Config.Labels['com.docker.swarm.service.name'], 'web');
    assert.equal(r.Config.Labels['com.docker.swarm.node.id'], NODE);
    assert.deepEqual(r.HostConfig.RestartPolicy, { Name: 'no' });
    // Statuses came in batches, in order, never going back. The batch with `running` is sent
    // on the turn after statusOf() shows it.
    for (let i = 0; i < 100 && reported(t.ID).at(-1)?.State !== 'running'; i++)
      await new Promise((r) => setTimeout(r, 20));
    const states = reported(t.ID).map((x) => x.State);
    assert.equal(states.at(-1), 'running');
    const order = ['accepted', 'preparing', 'ready', 'starting', 'running'];
    for (let i = 1; i < states.length; i++) assert.ok(order.indexOf(states[i]) > order.indexOf(states[i - 1]));
    mgr.setAssignments([]);
    await mgr.settled();
    assert.throws(() => containers.get(r.Id));
  });

  /** GET on the daemon's socket, the body parsed (JSON, or JSON lines for /events). */
  function get(p: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      http
        .get({ socketPath: td.socket, path: p }, (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => {
            if (!p.startsWith('/events')) return resolve(JSON.parse(data));
            resolve(
              data
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l)),
            );
          });
        })
        .on('error', reject);
    });
  }
  const q = (o: unknown) => encodeURIComponent(JSON.stringify(o));
  const exec = async (containerId: string, cmd: string[]) => {
    const { Id } = containers.execs.create(containerId, { Cmd: cmd });
    await containers.execs.run(containers.execs.claim(Id, {}), { write: () => undefined });
  };
  const MS = 1e6;

  it('a task with a healthcheck is reported starting until its container is healthy, then running', async () => {
    const since = Math.floor(Date.now() / 1000);
    const t = task(['sleep', '3600']);
    t.Spec.ContainerSpec!.Healthcheck = {
      Test: ['CMD-SHELL', 'test -f /tmp/ok'],
      Interval: 200 * MS,
      StartInterval: 200 * MS,
      StartPeriod: 600e9,
      Retries: 2,
    };
    mgr.setAssignments([t]);
    const id = (await waitFor(mgr, t.ID, 'starting')).ContainerStatus!.ContainerID!;
    const cid = () => id;
    for (let i = 0; i < 600 && !containers.get(id).State.Health?.Log.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(containers.get(id).State.Health!.Log.length >= 1, 'a probe failed');
    assert.equal(mgr.statusOf(t.ID)?.State, 'starting', 'not running before healthy');
    assert.equal(containers.get(cid()).State.Running, true);
    await exec(cid(), ['touch', '/tmp/ok']);
    const s = await waitFor(mgr, t.ID, 'running');
    assert.equal(s.Message, 'started');
    assert.equal(s.ContainerStatus?.PID, containers.get(cid()).State.Pid);
    // The batch with `running` goes out on the turn after statusOf() shows it.
    for (let i = 0; i < 100 && reported(t.ID).at(-1)?.State !== 'running'; i++)
      await new Promise((r) => setTimeout(r, 20));
    const states = reported(t.ID).map((x) => x.State);
    assert.deepEqual(states.slice(states.indexOf('starting')), ['starting', 'running']);
    // What the Engine API shows of it.
    const ins = (await get(`/containers/${cid()}/json`)) as { State: { Health: { Status: string; Log: unknown[] } } };
    assert.equal(ins.State.Health.Status, 'healthy');
    const listed = (await get(`/containers/json?filters=${q({ health: ['healthy'] })}`)) as Array<{
      Id: string;
      Status: string;
    }>;
    const mine = listed.find((c) => c.Id === cid());
    assert.ok(mine, 'the health filter lists it');
    assert.match(mine.Status, /\(healthy\)$/);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const evs = (await get(
      `/events?since=${since}&until=${until}&filters=${q({ event: ['health_status'], container: [cid()] })}`,
    )) as Array<{ Action: string }>;
    assert.deepEqual(
      evs.map((e) => e.Action),
      ['health_status: healthy'],
    );
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('unhealthy before running: the container is stopped and the task fails with Docker Err', async () => {
    const t = task(['sleep', '3600']);
    t.Spec.ContainerSpec!.Healthcheck = { Test: ['CMD', 'false'], Interval: 200 * MS, Retries: 2 };
    mgr.setAssignments([t]);
    const s = await waitFor(mgr, t.ID, 'failed');
    assert.equal(s.Message, 'starting');
    assert.equal(s.Err, 'task: non-zero exit (137): dockerexec: unhealthy container');
    assert.equal(s.ContainerStatus?.ExitCode, 137);
    assert.deepEqual(
      reported(t.ID)
        .map((x) => x.State)
        .filter((x) => x === 'running'),
      [],
      'never reported running',
    );
    assert.equal(containers.get(s.ContainerStatus!.ContainerID!).State.Running, false);
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('unhealthy after running: the task fails the same way', async () => {
    const t = task(['sleep', '3600']);
    t.Spec.ContainerSpec!.Healthcheck = { Test: ['CMD-SHELL', 'test ! -f /tmp/bad'], Interval: 200 * MS, Retries: 1 };
    mgr.setAssignments([t]);
    const running = await waitFor(mgr, t.ID, 'running');
    await exec(running.ContainerStatus!.ContainerID!, ['touch', '/tmp/bad']);
    const s = await waitFor(mgr, t.ID, 'failed');
    assert.equal(s.Message, 'started');
    assert.equal(s.Err, 'task: non-zero exit (137): dockerexec: unhealthy container');
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('a process that exits 3 reports failed with exit code 3', async () => {
    const t = task(['sh', '-c', 'exit 3']);
    mgr.setAssignments([t]);
    await waitFor(mgr, t.ID, 'failed').catch(() => undefined);
    const s = mgr.statusOf(t.ID)!;
    assert.equal(s.State, 'failed');
    assert.equal(s.ContainerStatus?.ExitCode, 3);
    assert.equal(s.Err, 'task: non-zero exit (3)');
    // The container stays (for logs) until the task leaves the assignments.
    assert.ok(containers.get(s.ContainerStatus!.ContainerID!));
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('a process that exits 0 reports complete', async () => {
    const t = task(['true']);
    mgr.setAssignments([t]);
    const end = Date.now() + 30_000;
    while (mgr.statusOf(t.ID)?.State !== 'complete' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(mgr.statusOf(t.ID)?.State, 'complete');
    assert.equal(mgr.statusOf(t.ID)?.Message, 'finished');
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('DesiredState shutdown stops the container after its StopGracePeriod and reports shutdown', async () => {
    // sleep as PID 1 has no TERM handler, so the kernel ignores TERM: only the grace's SIGKILL ends it.
    const t = task(['sleep', '3600']);
    t.Spec.ContainerSpec!.StopGracePeriod = 1_500_000_000;
    mgr.setAssignments([t]);
    await waitFor(mgr, t.ID, 'running');
    const t0 = Date.now();
    mgr.setAssignments([{ ...t, DesiredState: 'shutdown' }]);
    const s = await waitFor(mgr, t.ID, 'shutdown');
    const took = Date.now() - t0;
    assert.ok(took >= 1400 && took < 8000, `stopped after ${took} ms`);
    assert.equal(s.Message, 'shutdown');
    assert.equal(s.ContainerStatus?.ExitCode, 137);
    assert.equal(containers.get(s.ContainerStatus!.ContainerID!).State.Running, false);
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('a secret is readable at /run/secrets/x with mode 0400, a config at its target; the tmpfs goes at removal', async () => {
    const check = [
      'ls -l /run/secrets/x | grep -q "^-r-------- "',
      '[ "$(cat /run/secrets/x)" = hunter2 ]',
      'ls -l /etc/app.conf | grep -q "^-r--r--r-- "',
      '[ "$(cat /etc/app.conf)" = "port=80" ]',
      'sleep 3600',
    ].join(' && ');
    const t = task(['sh', '-c', check]);
    t.Spec.ContainerSpec!.Secrets = [
      { SecretID: 'sec1', SecretName: 'x', File: { Name: 'x', UID: '0', GID: '0', Mode: 0o400 } },
    ];
    t.Spec.ContainerSpec!.Configs = [
      { ConfigID: 'cfg1', ConfigName: 'app', File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 0o444 } },
    ];
    const meta = { Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '' };
    mgr.setAssignments(
      [t],
      [{ ID: 'sec1', ...meta, Spec: { Name: 'x', Data: Buffer.from('hunter2').toString('base64') } }],
      [{ ID: 'cfg1', ...meta, Spec: { Name: 'app', Data: Buffer.from('port=80').toString('base64') } }],
    );
    await waitFor(mgr, t.ID, 'running');
    // The checks run before the sleep: a failed one would end the task.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(mgr.statusOf(t.ID)?.State, 'running', mgr.statusOf(t.ID)?.Err);
    const files = new TaskFiles(td.dataRoot, t.ID);
    assert.ok(isMountPoint(files.secretsDir), 'the secrets are on a tmpfs');
    mgr.setAssignments([]);
    await mgr.settled();
    assert.equal(isMountPoint(files.secretsDir), false);
    assert.equal(existsSync(files.dir), false);
  });

  it('a secret the assignment does not carry rejects the task', async () => {
    const t = task(['sleep', '3600']);
    t.Spec.ContainerSpec!.Secrets = [{ SecretID: 'nope', SecretName: 'nope', File: { Name: 'nope' } }];
    mgr.setAssignments([t]);
    await waitFor(mgr, t.ID, 'rejected').catch(() => undefined);
    assert.equal(mgr.statusOf(t.ID)?.State, 'rejected');
    assert.match(mgr.statusOf(t.ID)!.Err!, /secret nope/);
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('re-adopts its running task after a TaskManager restart: same container, reported running', async () => {
    const t = task(['sleep', '3600']);
    mgr.setAssignments([t]);
    const first = await waitFor(mgr, t.ID, 'running');
    await mgr.stop();
    assert.ok(containers.get(first.ContainerStatus!.ContainerID!).State.Running, 'stop leaves it running');
    mgr = await newManager();
    // As after a daemon restart whose status reports were lost: the managers still say assigned.
    mgr.setAssignments([t]);
    const again = await waitFor(mgr, t.ID, 'running');
    assert.equal(again.ContainerStatus?.ContainerID, first.ContainerStatus?.ContainerID);
    assert.equal(again.ContainerStatus?.PID, first.ContainerStatus?.PID);
    assert.equal(containers.list({ all: true, filters: { label: [`${TASK_ID_LABEL}=${t.ID}`] } }).length, 1);
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('removes the containers of tasks no longer assigned after a restart', async () => {
    const t = task(['sleep', '3600']);
    mgr.setAssignments([t]);
    const s = await waitFor(mgr, t.ID, 'running');
    await mgr.stop();
    mgr = await newManager();
    mgr.setAssignments([]);
    await mgr.settled();
    assert.throws(() => containers.get(s.ContainerStatus!.ContainerID!));
  });

  it('a missing image gives rejected; a missing one it can pull is pulled with the registry auth', async () => {
    const bad = task(['sleep', '1'], { image: 'missing/nothing:1' });
    const auth = Buffer.from(JSON.stringify({ username: 'u', password: 'p' })).toString('base64url');
    const good = task(['sleep', '3600'], { image: 'pullme/app:1' });
    good.Spec.ContainerSpec!.PullOptions = { RegistryAuth: auth };
    mgr.setAssignments([bad, good]);
    await waitFor(mgr, good.ID, 'running');
    const end = Date.now() + 30_000;
    while (mgr.statusOf(bad.ID)?.State !== 'rejected' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const s = mgr.statusOf(bad.ID)!;
    assert.equal(s.State, 'rejected');
    assert.equal(s.Message, 'rejected');
    assert.match(s.Err!, /missing\/nothing:1/);
    assert.deepEqual(
      pulls.find((p) => p.ref === 'pullme/app:1'),
      { ref: 'pullme/app:1', auth },
    );
    mgr.setAssignments([]);
    await mgr.settled();
  });

  it('publishes host-mode ports and reports them in PortStatus', async () => {
    const t = task(['sleep', '3600'], {
      Endpoint: { Spec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 0, PublishMode: 'host' }] } },
    });
    mgr.setAssignments([t]);
    const s = await waitFor(mgr, t.ID, 'running');
    const r = containers.get(s.ContainerStatus!.ContainerID!);
    assert.deepEqual(r.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '' }] });
    const p = s.PortStatus?.Ports?.[0];
    assert.equal(p?.TargetPort, 80);
    assert.equal(p?.PublishMode, 'host');
    assert.ok((p?.PublishedPort ?? 0) > 0, `published on ${p?.PublishedPort}`);
    mgr.setAssignments([]);
    await mgr.settled();
  });
});
