import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requireContainerd } from '../../support/containerd';
import { eventually, startTwoNodeSwarm, teardownSwarm, type SwarmDaemon } from './swarm-daemons';

interface Task {
  ID: string;
  Slot?: number;
  NodeID?: string;
  DesiredState: string;
  Status: { State: string; Err?: string; ContainerStatus?: { ContainerID?: string; PID?: number } };
}
interface Container {
  Id: string;
  Names: string[];
  State: string;
}

const SERVICE = 'wired';
const SECRET = 'wired-pw';
let secretId = '';
const SPEC = (replicas: number) => ({
  Name: SERVICE,
  TaskTemplate: {
    ContainerSpec: {
      Image: 'busybox',
      Args: ['sleep', '3600'],
      StopGracePeriod: 1_000_000_000,
      Secrets: [{ SecretID: secretId, SecretName: SECRET, File: { Name: 'pw', UID: '0', GID: '0', Mode: 0o400 } }],
    },
    // Condition any, as Docker's default; a short delay keeps the test quick.
    RestartPolicy: { Condition: 'any', Delay: 100_000_000 },
  },
  Mode: { Replicated: { Replicas: replicas } },
});

describe('swarm services: tasks run as containers on the nodes (real daemons)', function () {
  this.timeout(90_000);
  const ds: SwarmDaemon[] = [];
  let mgr: SwarmDaemon, wkr: SwarmDaemon;
  const nodeOf = new Map<string, SwarmDaemon>();
  let serviceId = '';

  const tasks = async (): Promise<Task[]> => {
    const f = encodeURIComponent(JSON.stringify({ service: [SERVICE] }));
    const r = await mgr.api('GET', `/v1.44/tasks?filters=${f}`);
    assert.equal(r.status, 200, r.body);
    return r.json as Task[];
  };
  const containers = async (d: SwarmDaemon, all = false): Promise<Container[]> =>
    ((await d.api('GET', `/v1.44/containers/json${all ? '?all=1' : ''}`)).json as Container[]).filter((c) =>
      c.Names[0]!.startsWith(`/${SERVICE}.`),
    );
  const running = async () =>
    (await tasks()).filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');

  before(async function () {
    requireContainerd(this);
    this.timeout(60_000);
    // Swarm's default heartbeat period: a daemon restart stays within the grace of three periods.
    const swarm = await startTwoNodeSwarm(35, 24000, { Dispatcher: { HeartbeatPeriod: 5_000_000_000 } });
    ({ mgr, wkr } = swarm);
    ds.push(mgr, wkr);
    nodeOf.set(swarm.mgrId, mgr);
    nodeOf.set(swarm.wkrId, wkr);
  });

  after(async function () {
    this.timeout(60_000);
    if (!mgr) return;
    await teardownSwarm(ds, async (m) => {
      for (const s of [SERVICE, `${SERVICE}-global`, `${SERVICE}-hc`])
        await m.api('DELETE', `/v1.44/services/${s}`).catch(() => undefined);
      await m.api('DELETE', `/v1.44/secrets/${SECRET}`);
    });
  });

  it('4 replicas run 2 and 2, as containers named <service>.<slot>.<task id> on their nodes, with their secret', async () => {
    const sec = await mgr.api('POST', '/v1.44/secrets/create', {
      Name: SECRET,
      Data: Buffer.from('hunter2').toString('base64'),
    });
    assert.equal(sec.status, 201, sec.body);
    secretId = sec.json.ID;
    const r = await mgr.api('POST', '/v1.44/services/create', SPEC(4));
    assert.equal(r.status, 201, r.body);
    serviceId = r.json.ID;
    const live = await eventually(
      async () => {
        const t = await running();
        return t.length === 4 && t;
      },
      40_000,
      '4 running tasks',
    );
    const perNode = new Map<string, number>();
    for (const t of live) perNode.set(t.NodeID!, (perNode.get(t.NodeID!) ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [2, 2], `spread: ${JSON.stringify([...perNode])}`);
    assert.deepEqual(live.map((t) => t.Slot).sort(), [1, 2, 3, 4]);
    for (const [nodeId, d] of nodeOf) {
      const names = (await containers(d)).map((c) => c.Names[0]).sort();
      const want = live
        .filter((t) => t.NodeID === nodeId)
        .map((t) => `/${SERVICE}.${t.Slot}.${t.ID}`)
        .sort();
      assert.deepEqual(names, want, `containers on daemon ${d.n}`);
    }
    for (const t of live) {
      const id = t.Status.ContainerStatus?.ContainerID;
      assert.ok(id, 'the agent reported its container');
      // The secret reached the worker with its Data: the file bind-mounted at /run/secrets/pw.
      const c = (await nodeOf.get(t.NodeID!)!.api('GET', `/v1.44/containers/${id}/json`)).json;
      const mounts: { Source?: string; Target?: string; Destination?: string }[] =
        c.HostConfig?.Mounts ?? c.Mounts ?? [];
      const m = mounts.find((x) => (x.Target ?? x.Destination) === '/run/secrets/pw');
      assert.ok(m?.Source, `a mount at /run/secrets/pw: ${JSON.stringify(mounts)}`);
      assert.equal(readFileSync(m.Source, 'utf8'), 'hunter2');
    }
  });

  it("a worker daemon restart re-adopts its tasks' containers (same tasks, same containers)", async () => {
    const before = await running();
    const ids = async () => (await containers(wkr)).map((c) => c.Id).sort();
    const had = await ids();
    assert.equal(had.length, 2);
    await wkr.halt();
    await wkr.resume();
    await eventually(
      async () => {
        const now = await running();
        return now.length === 4 && now.every((t) => before.some((b) => b.ID === t.ID));
      },
      20_000,
      'the same 4 tasks running',
    );
    assert.deepEqual(await ids(), had);
    assert.equal((await containers(wkr, true)).length, 2, 'nothing made again');
  });

  it('scaling to 1 shuts 3 tasks down and removes their containers', async () => {
    const before = await running();
    const svc = (await mgr.api('GET', `/v1.44/services/${SERVICE}`)).json;
    const r = await mgr.api('POST', `/v1.44/services/${SERVICE}/update?version=${svc.Version.Index}`, SPEC(1));
    assert.equal(r.status, 200, r.body);
    const kept = await eventually(
      async () => {
        const all = await tasks();
        const gone = before.filter((b) => {
          const t = all.find((x) => x.ID === b.ID);
          return !t || (t.DesiredState === 'shutdown' && t.Status.State === 'shutdown');
        });
        const up = all.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
        return gone.length === 3 && up.length === 1 && up[0];
      },
      30_000,
      '3 shut down, 1 running',
    );
    await eventually(
      async () => {
        const left = [...(await containers(mgr, true)), ...(await containers(wkr, true))];
        return left.length === 1 && left[0]!.Names[0] === `/${SERVICE}.${kept.Slot}.${kept.ID}`;
      },
      20_000,
      'one container left',
    );
  });

  it('a task whose container is killed is replaced (restart policy any)', async () => {
    const [old] = await running();
    assert.ok(old);
    const d = nodeOf.get(old.NodeID!)!;
    const k = await d.api('POST', `/v1.44/containers/${old.Status.ContainerStatus!.ContainerID}/kill`);
    assert.equal(k.status, 204, k.body);
    const next = await eventually(
      async () => {
        const all = await tasks();
        const was = all.find((t) => t.ID === old.ID);
        const up = all.filter((t) => t.ID !== old.ID && t.DesiredState === 'running' && t.Status.State === 'running');
        return (!was || (was.Status.State === 'failed' && was.DesiredState === 'shutdown')) && up.length === 1 && up[0];
      },
      30_000,
      'a replacement running',
    );
    assert.equal(next.Slot, old.Slot, 'the same slot');
    const on = nodeOf.get(next.NodeID!)!;
    await eventually(
      async () => (await containers(on)).some((c) => c.Names[0] === `/${SERVICE}.${next.Slot}.${next.ID}`),
      10_000,
      'the replacement container',
    );
    // As with swarm: the failed task is history (`docker service ps`), and its container stays, exited.
    const kept = (await containers(d, true)).find((c) => c.Names[0] === `/${SERVICE}.${old.Slot}.${old.ID}`);
    assert.equal(kept?.State, 'exited');
  });

  it('healthchecks: a task runs once healthy; an update to an unhealthy check fails its task, which is replaced, and pauses', async () => {
    const name = `${SERVICE}-hc`;
    const spec = (test: string[]) => ({
      Name: name,
      TaskTemplate: {
        ContainerSpec: {
          Image: 'busybox',
          Args: ['sleep', '3600'],
          StopGracePeriod: 300_000_000,
          Healthcheck: { Test: test, Interval: 200_000_000, Retries: 1 },
        },
        RestartPolicy: { Condition: 'any', Delay: 100_000_000 },
      },
      Mode: { Replicated: { Replicas: 1 } },
      UpdateConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 30_000_000_000 },
    });
    const hcTasks = async (): Promise<Task[]> => {
      const f = encodeURIComponent(JSON.stringify({ service: [name] }));
      return (await mgr.api('GET', `/v1.44/tasks?filters=${f}`)).json as Task[];
    };
    const c = await mgr.api('POST', '/v1.44/services/create', spec(['CMD', 'true']));
    assert.equal(c.status, 201, c.body);
    const first = await eventually(
      async () => (await hcTasks()).find((t) => t.Status.State === 'running'),
      30_000,
      'a healthy task running',
    );
    const on = nodeOf.get(first.NodeID!)!;
    const ins = await on.api('GET', `/v1.44/containers/${first.Status.ContainerStatus!.ContainerID}/json`);
    assert.equal(ins.json.State.Health.Status, 'healthy', 'running only once healthy');

    const svc = (await mgr.api('GET', `/v1.44/services/${name}`)).json;
    assert.deepEqual(svc.Spec.TaskTemplate.ContainerSpec.Healthcheck.Test, ['CMD', 'true']);
    const u = await mgr.api(
      'POST',
      `/v1.44/services/${svc.ID}/update?version=${svc.Version.Index}`,
      spec(['CMD', 'false']),
    );
    assert.equal(u.status, 200, u.body);
    const failed = await eventually(
      async () => (await hcTasks()).find((t) => t.ID !== first.ID && t.Status.State === 'failed'),
      30_000,
      'the updated task failed',
    );
    assert.equal(failed.Status.Err, 'task: non-zero exit (137): dockerexec: unhealthy container');
    await eventually(
      async () => (await mgr.api('GET', `/v1.44/services/${name}`)).json.UpdateStatus?.State === 'paused',
      30_000,
      'the update paused',
    );
    await eventually(
      async () =>
        (await hcTasks()).some((t) => t.ID !== failed.ID && t.ID !== first.ID && t.DesiredState === 'running'),
      30_000,
      'a replacement of the failed task',
    );
    const r = await mgr.api('DELETE', `/v1.44/services/${name}`);
    assert.equal(r.status, 200, r.body);
  });

  it('removing the service removes its containers everywhere', async () => {
    const r = await mgr.api('DELETE', `/v1.44/services/${SERVICE}`);
    assert.equal(r.status, 200, r.body);
    await eventually(
      async () => (await containers(mgr, true)).length === 0 && (await containers(wkr, true)).length === 0,
      30_000,
      'no containers of the service',
    );
    await eventually(
      async () =>
        ((await mgr.api('GET', '/v1.44/tasks')).json as { ServiceID: string }[]).every(
          (t) => t.ServiceID !== serviceId,
        ),
      20_000,
      'its tasks reaped',
    );
  });
  it('a global service runs one task per node; a node that leaves the swarm removes its task containers', async () => {
    const name = `${SERVICE}-global`;
    const r = await mgr.api('POST', '/v1.44/services/create', {
      Name: name,
      TaskTemplate: { ContainerSpec: { Image: 'busybox', Args: ['sleep', '3600'], StopGracePeriod: 1_000_000_000 } },
      Mode: { Global: {} },
    });
    assert.equal(r.status, 201, r.body);
    const f = encodeURIComponent(JSON.stringify({ service: [name], 'desired-state': ['running'] }));
    const live = await eventually(
      async () => {
        const t = ((await mgr.api('GET', `/v1.44/tasks?filters=${f}`)).json as Task[]).filter(
          (x) => x.Status.State === 'running',
        );
        return t.length === 2 && t;
      },
      30_000,
      'a running task on each node',
    );
    assert.deepEqual(live.map((t) => t.NodeID).sort(), [...nodeOf.keys()].sort());
    const onWorker = async () =>
      ((await wkr.api('GET', '/v1.44/containers/json?all=1')).json as Container[]).filter((c) =>
        c.Names[0]!.startsWith(`/${name}.`),
      );
    assert.equal((await onWorker()).length, 1);
    const leave = await wkr.api('POST', '/v1.44/swarm/leave');
    assert.equal(leave.status, 200, leave.body);
    assert.deepEqual(await onWorker(), [], 'gone once leave returns');
  });
});
