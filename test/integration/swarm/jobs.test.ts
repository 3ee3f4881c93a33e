import assert from 'node:assert/strict';
import { requireContainerd } from '../../support/containerd';
import { eventually, startSwarmDaemon, type SwarmDaemon } from './swarm-daemons';

interface Task {
  ID: string;
  Slot?: number;
  DesiredState: string;
  JobIteration?: { Index: number };
  Status: { State: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}
interface ServiceWithStatus {
  Spec: { Name: string };
  JobStatus?: { JobIteration: { Index: number } };
  ServiceStatus?: { RunningTasks: number; DesiredTasks: number; CompletedTasks: number };
}

const JOB = 'jobs-ok';
const FAILING = 'jobs-fail';
const job = (name: string, script: string, mode: object, RestartPolicy?: object) => ({
  Name: name,
  TaskTemplate: {
    ContainerSpec: { Image: 'busybox', Args: ['sh', '-c', script], StopGracePeriod: 1_000_000_000 },
    ...(RestartPolicy ? { RestartPolicy } : {}),
  },
  Mode: mode,
});

describe('swarm job services: tasks run to completion as containers (real daemon)', function () {
  this.timeout(90_000);
  let d: SwarmDaemon | undefined;

  const tasks = async (service: string): Promise<Task[]> => {
    const f = encodeURIComponent(JSON.stringify({ service: [service] }));
    const r = await d!.api('GET', `/v1.44/tasks?filters=${f}`);
    assert.equal(r.status, 200, r.body);
    return r.json as Task[];
  };
  const status = async (service: string): Promise<ServiceWithStatus> => {
    const list = (await d!.api('GET', '/v1.44/services?status=true')).json as ServiceWithStatus[];
    return list.find((s) => s.Spec.Name === service)!;
  };

  before(async function () {
    requireContainerd(this);
    this.timeout(60_000);
    d = await startSwarmDaemon(38);
    const init = await d.api('POST', '/v1.44/swarm/init', { ListenAddr: d.clusterAddr, AdvertiseAddr: d.clusterAddr });
    assert.equal(init.status, 200, init.body);
    await eventually(
      async () =>
        ((await d!.api('GET', '/v1.44/nodes')).json as { Status: { State: string } }[])[0]?.Status.State === 'ready',
      20_000,
      'a ready node',
    );
  });

  after(async function () {
    this.timeout(60_000);
    if (!d) return;
    for (const s of [JOB, FAILING]) await d.api('DELETE', `/v1.44/services/${s}`).catch(() => undefined);
    await d.api('POST', '/v1.44/swarm/leave?force=1').catch(() => undefined);
    await d.destroy();
  });

  it('a replicated job (3 completions, 2 at a time) runs to 3 complete tasks; ServiceStatus and logs say so', async () => {
    // Long enough for the two concurrent tasks to overlap, short enough to keep the test quick.
    const r = await d!.api(
      'POST',
      '/v1.44/services/create',
      job(JOB, 'sleep 1; echo finished', { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 3 } }),
    );
    assert.equal(r.status, 201, r.body);
    let most = 0;
    const done = await eventually(
      async () => {
        const t = await tasks(JOB);
        const underway = t.filter((x) => x.DesiredState === 'complete' && x.Status.State !== 'complete');
        most = Math.max(most, underway.length);
        const complete = t.filter((x) => x.Status.State === 'complete');
        return complete.length === 3 && t;
      },
      60_000,
      '3 completed tasks',
    );
    assert.ok(most <= 2, `at most 2 at once, saw ${most}`);
    assert.deepEqual(done.map((t) => t.Slot).sort(), [0, 1, 2], 'job slots count from 0, as swarmkit');
    for (const t of done) {
      assert.equal(t.Status.ContainerStatus?.ExitCode, 0);
      assert.deepEqual(t.JobIteration, { Index: 0 });
    }
    const s = await status(JOB);
    assert.deepEqual(s.ServiceStatus, { RunningTasks: 0, DesiredTasks: 2, CompletedTasks: 3 });
    assert.deepEqual(s.JobStatus!.JobIteration, { Index: 0 });
    await new Promise((res) => setTimeout(res, 1000));
    assert.equal((await tasks(JOB)).length, 3, 'completed tasks are not run again');
    // The finished containers stay, so the job's output can still be read.
    const logs = await d!.api('GET', `/v1.44/services/${JOB}/logs?stdout=1`);
    assert.equal(logs.status, 200, logs.body);
    assert.equal(logs.body.split('finished').length - 1, 3, logs.body);
  });

  it('a failing job task is retried per RestartPolicy (Delay, MaxAttempts) and then given up', async () => {
    const r = await d!.api(
      'POST',
      '/v1.44/services/create',
      job(FAILING, 'exit 3', { ReplicatedJob: {} }, { Delay: 100_000_000, MaxAttempts: 2 }),
    );
    assert.equal(r.status, 201, r.body);
    let seen: Task[] = [];
    const failed = await eventually(
      async () => {
        seen = await tasks(FAILING);
        // The supervisor marks a failed task shut down just after it reads failed.
        const t = seen.filter((x) => x.Status.State === 'failed');
        return t.length === 3 && t.every((x) => x.DesiredState === 'shutdown') && t;
      },
      60_000,
      'the first run and 2 retries failed',
    ).catch((e: Error) => {
      throw new Error(`${e.message}; tasks: ${JSON.stringify(seen.map((t) => [t.Slot, t.DesiredState, t.Status]))}`);
    });
    for (const t of failed) {
      assert.equal(t.Slot, 0);
      assert.equal(t.Status.ContainerStatus?.ExitCode, 3);
      assert.equal(t.DesiredState, 'shutdown');
    }
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal((await tasks(FAILING)).length, 3, 'no more attempts');
    assert.equal((await status(FAILING)).ServiceStatus!.CompletedTasks, 0);
  });
});
