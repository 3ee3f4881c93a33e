import assert from 'node:assert/strict';
import type { NodeObject, TaskObject } from '../../src/api/swarm-types';
import { requireLab } from '../support/lab';
import { eventually } from '../integration/swarm/swarm-daemons';
import { perHost, sleeper, startServiceSwarm, type ServiceSwarm } from './service-swarm';

/**
 * Services outliving failures across lab hosts: h1, h2 and h3 are managers, h4 and h5 workers.
 * A container's process killed, a worker's daemon killed (its node goes down after the heartbeat
 * grace of 3 s), and the leader killed in the middle of a rolling update.
 */

const ON_WORKERS = { Placement: { Constraints: ['node.role==worker'] } };

interface Inspect {
  State: { Running: boolean; Pid: number };
}

const envOf = (t: TaskObject) => t.Spec.ContainerSpec?.Env ?? [];

describe('cluster: services outlive failures (h1..h3 managers, h4 and h5 workers)', function () {
  this.timeout(120_000);
  let sw: ServiceSwarm | undefined;
  /** The manager the test talks to; it moves off a manager the test kills. */
  let via = 'h1';

  const runningCount = (service: string, n: number, from = via) => sw!.untilRunning(from, service, n);

  /** The PID of the task's container's process, from the engine API of the host running it. */
  async function processOf(t: TaskObject): Promise<number> {
    const id = t.Status.ContainerStatus?.ContainerID;
    assert.ok(id, `task ${t.ID} reports no container`);
    const c = (await sw!.api(sw!.hostOf(t.NodeID), 'GET', `/containers/${id}/json`)).json<Inspect>();
    assert.ok(c.State.Running && c.State.Pid > 0, `container ${id} is not running`);
    return c.State.Pid;
  }

  before(async function () {
    this.timeout(300_000);
    requireLab(this);
    sw = await startServiceSwarm({ hosts: 5, managers: ['h1', 'h2', 'h3'], workers: ['h4', 'h5'] });
  });

  after(async function () {
    this.timeout(120_000);
    await sw?.stop();
  });

  it("a task whose process is killed (-9) is replaced under restart policy on-failure, not under 'none'", async () => {
    await sw!.createService(
      via,
      sleeper('crashy', { ...ON_WORKERS, RestartPolicy: { Condition: 'on-failure', Delay: 200_000_000 } }),
    );
    await sw!.createService(via, sleeper('once', { ...ON_WORKERS, RestartPolicy: { Condition: 'none' } }));
    const [crashy] = await runningCount('crashy', 1);
    const [once] = await runningCount('once', 1);
    for (const t of [crashy!, once!]) process.kill(await processOf(t), 'SIGKILL');

    const failed = (t: TaskObject | undefined) =>
      t?.Status.State === 'failed' && t.DesiredState === 'shutdown' && t.Status.ContainerStatus?.ExitCode === 137;
    const next = await eventually(
      async () => {
        const all = await sw!.tasks(via, 'crashy');
        const up = all.filter(
          (t) => t.ID !== crashy!.ID && t.DesiredState === 'running' && t.Status.State === 'running',
        );
        return failed(all.find((t) => t.ID === crashy!.ID)) && up.length === 1 && up[0];
      },
      60_000,
      'the killed task failed (137) and a replacement running',
    );
    assert.equal(next.Slot, crashy!.Slot, 'the replacement takes the same slot');
    assert.ok((await processOf(next)) > 0);
    // By now the orchestrator has also judged the other one: failed, and left so.
    const left = await eventually(
      async () => {
        const all = await sw!.tasks(via, 'once');
        return failed(all.find((t) => t.ID === once!.ID)) && all;
      },
      30_000,
      "the 'none' task failed (137)",
    );
    assert.deepEqual(
      left.map((t) => t.ID),
      [once!.ID],
      "no replacement under restart policy 'none'",
    );
    await sw!.removeService(via, 'crashy');
    await sw!.removeService(via, 'once');
  });

  it("a worker's daemon killed: its node goes down, its tasks run on the other worker; back up, it stops the old ones", async () => {
    await sw!.createService(via, { ...sleeper('movers', ON_WORKERS), Mode: { Replicated: { Replicas: 4 } } });
    const before = await runningCount('movers', 4);
    assert.deepEqual(perHost(sw!, before), { h4: 2, h5: 2 });
    const onH5 = before.filter((t) => sw!.hostOf(t.NodeID) === 'h5');
    const pids = await Promise.all(onH5.map(processOf));

    await sw!.lab.kill('h5');
    await eventually(
      async () => (await sw!.api(via, 'GET', `/nodes/${sw!.ids.get('h5')}`)).json<NodeObject>().Status.State === 'down',
      60_000,
      'h5 down',
    );
    const after = await eventually(
      async () => {
        const all = await sw!.tasks(via, 'movers');
        const up = all.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
        const moved = onH5.every((o) => all.find((t) => t.ID === o.ID)?.DesiredState !== 'running');
        return moved && up.length === 4 && up;
      },
      60_000,
      "h5's tasks replaced by 4 running on h4",
    );
    assert.deepEqual(perHost(sw!, after), { h4: 4 });
    assert.deepEqual(after.map((t) => t.Slot).sort(), before.map((t) => t.Slot).sort(), 'the same slots');

    // Its containers outlived the daemon; the daemon back stops them (their tasks are shut down).
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(pids.some(alive), "h5's containers died with its daemon");
    await sw!.lab.start('h5');
    await eventually(() => sw!.readyNodes(via, 5), 60_000, 'h5 ready again');
    await eventually(async () => !pids.some(alive), 60_000, "h5's old containers stopped");
    assert.deepEqual(perHost(sw!, await sw!.running(via, 'movers')), { h4: 4 });
    await sw!.removeService(via, 'movers');
  });

  it('the leader killed in the middle of a rolling update: the new leader completes it', async () => {
    await sw!.createService(via, {
      ...sleeper('rolling', ON_WORKERS),
      Mode: { Replicated: { Replicas: 4 } },
      UpdateConfig: { Parallelism: 1, Delay: 3_000_000_000 },
    });
    const v1 = await runningCount('rolling', 4);
    const leader = await sw!.leader(via);
    const survivor = ['h1', 'h2', 'h3'].find((h) => h !== leader)!;
    await sw!.updateService(via, 'rolling', (s) => ({
      ...s,
      TaskTemplate: { ...s.TaskTemplate, ContainerSpec: { ...s.TaskTemplate.ContainerSpec, Env: ['V=2'] } },
    }));
    // One task updated, three to go (3 s apart): the update is under way.
    const early = await eventually(
      async () => {
        const up = await sw!.running(via, 'rolling');
        const updated = up.filter((t) => envOf(t).includes('V=2'));
        return updated.length >= 1 && updated.length <= 2 && updated;
      },
      60_000,
      'the first task updated',
    );
    assert.equal((await sw!.service(via, 'rolling')).UpdateStatus?.State, 'updating');

    await sw!.lab.kill(leader);
    via = survivor;
    const newLeader = await eventually(
      async () => {
        const h = await sw!.leader(via);
        return h !== leader && h;
      },
      60_000,
      'a new leader',
    );
    const done = await eventually(
      async () => {
        const s = await sw!.service(via, 'rolling');
        const up = await sw!.running(via, 'rolling');
        const ok =
          s.UpdateStatus?.State === 'completed' && up.length === 4 && up.every((t) => envOf(t).includes('V=2'));
        return ok && up;
      },
      90_000,
      `the update completed under ${newLeader}`,
    );
    for (const t of early)
      assert.ok(
        done.some((x) => x.ID === t.ID),
        `task ${t.ID}, updated before the kill, kept`,
      );
    assert.ok(
      done.every((t) => !v1.some((o) => o.ID === t.ID)),
      'no task of the old spec left running',
    );
    await sw!.removeService(via, 'rolling');
  });
});
