import assert from 'node:assert/strict';
import type { ServiceSpec, TaskObject } from '../../src/api/swarm-types';
import { requireLab } from '../support/lab';
import { eventually } from '../integration/swarm/swarm-daemons';
import { sleeper, startServiceSwarm, type ServiceSwarm } from './service-swarm';

/**
 * Service updates and secrets across lab hosts: h1 is the manager, h2 and h3 workers. A
 * start-first rolling update, an update whose tasks fail rolled back, and a secret read inside
 * a task's container on a worker.
 */

const ON_WORKERS = { Placement: { Constraints: ['node.role==worker'] } };
const at = (t: TaskObject) => Date.parse(t.Status.Timestamp ?? '');
const withEnv = (s: ServiceSpec, env: string[]): ServiceSpec => ({
  ...s,
  TaskTemplate: { ...s.TaskTemplate, ContainerSpec: { ...s.TaskTemplate.ContainerSpec, Env: env } },
});

describe('cluster: service updates and secrets (h1 manager, h2 and h3 workers)', function () {
  this.timeout(120_000);
  let sw: ServiceSwarm | undefined;
  const M = 'h1';

  const runningCount = (service: string, n: number) => sw!.untilRunning(M, service, n);

  before(async function () {
    this.timeout(240_000);
    requireLab(this);
    sw = await startServiceSwarm({ hosts: 3, managers: ['h1'], workers: ['h2', 'h3'] });
  });

  after(async function () {
    this.timeout(120_000);
    await sw?.stop();
  });

  it("a start-first update runs each slot's new task before its old one stops", async () => {
    await sw!.createService(M, {
      ...withEnv(sleeper('blue', ON_WORKERS), ['V=1']),
      Mode: { Replicated: { Replicas: 2 } },
      UpdateConfig: { Parallelism: 1, Order: 'start-first' },
    });
    const old = await runningCount('blue', 2);
    await sw!.updateService(M, 'blue', (s) => withEnv(s, ['V=2']));
    await eventually(
      async () => {
        const s = await sw!.service(M, 'blue');
        const up = await sw!.running(M, 'blue');
        return (
          s.UpdateStatus?.State === 'completed' && up.length === 2 && up.every((t) => !old.some((o) => o.ID === t.ID))
        );
      },
      90_000,
      'the update completed',
    );
    const all = await sw!.tasks(M, 'blue');
    for (const o of old) {
      const was = all.find((t) => t.ID === o.ID)!;
      const now = all.find((t) => t.Slot === o.Slot && t.DesiredState === 'running')!;
      assert.equal(was.DesiredState, 'shutdown');
      assert.equal(was.Status.State, 'shutdown');
      assert.deepEqual(now.Spec.ContainerSpec?.Env, ['V=2']);
      assert.equal(now.Status.State, 'running');
      // Status.Timestamp is each task's last change: the new one's start, the old one's stop.
      assert.ok(
        at(now) < at(was),
        `slot ${o.Slot}: new task running at ${now.Status.Timestamp}, old one shut down at ${was.Status.Timestamp}`,
      );
    }
    await sw!.removeService(M, 'blue');
  });

  it('an update whose tasks exit non-zero is rolled back (FailureAction rollback): the previous spec runs again', async () => {
    const spec = { ...sleeper('fragile', ON_WORKERS), Mode: { Replicated: { Replicas: 2 } } };
    await sw!.createService(M, {
      ...spec,
      UpdateConfig: { Parallelism: 1, FailureAction: 'rollback', Monitor: 5_000_000_000 },
      RollbackConfig: { Parallelism: 0 },
    });
    const old = await runningCount('fragile', 2);
    const before = (await sw!.service(M, 'fragile')).Spec;
    await sw!.updateService(M, 'fragile', (s) => ({
      ...s,
      TaskTemplate: {
        ...s.TaskTemplate,
        ContainerSpec: { ...s.TaskTemplate.ContainerSpec, Args: ['sh', '-c', 'echo failing; exit 3'] },
      },
    }));
    const rolled = await eventually(
      async () => {
        const s = await sw!.service(M, 'fragile');
        return s.UpdateStatus?.State === 'rollback_completed' && s;
      },
      90_000,
      'rollback_completed',
    );
    assert.deepEqual(rolled.Spec.TaskTemplate.ContainerSpec?.Args, before.TaskTemplate.ContainerSpec?.Args);
    const up = await runningCount('fragile', 2);
    for (const t of up) assert.deepEqual(t.Spec.ContainerSpec?.Args, before.TaskTemplate.ContainerSpec?.Args);
    const failed = (await sw!.tasks(M, 'fragile')).filter(
      (t) => t.Spec.ContainerSpec?.Args?.includes('echo failing; exit 3') && t.Status.State === 'failed',
    );
    assert.ok(failed.length >= 1, 'a task of the failing spec failed');
    assert.ok(
      failed.every((t) => t.Status.ContainerStatus?.ExitCode === 3),
      JSON.stringify(failed.map((t) => t.Status)),
    );
    assert.equal(up.length, old.length);
    await sw!.removeService(M, 'fragile');
  });

  it("a secret is readable at /run/secrets/<name> in the task's container on a worker", async () => {
    const value = 'lab-secret-42';
    const created = await sw!.api(M, 'POST', '/secrets/create', {
      Name: 'lab-pw',
      Data: Buffer.from(value).toString('base64'),
    });
    assert.equal(created.status, 201, created.body);
    const secretId = created.json<{ ID: string }>().ID;
    const spec = sleeper('reader', ON_WORKERS);
    spec.TaskTemplate.ContainerSpec!.Secrets = [
      { SecretID: secretId, SecretName: 'lab-pw', File: { Name: 'lab-pw', UID: '0', GID: '0', Mode: 0o444 } },
    ];
    await sw!.createService(M, spec);
    const [t] = await runningCount('reader', 1);
    const host = sw!.hostOf(t!.NodeID);
    assert.ok(host === 'h2' || host === 'h3', host);
    const cid = t!.Status.ContainerStatus!.ContainerID!;
    const exec = await sw!.api(host, 'POST', `/containers/${cid}/exec`, {
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Cmd: ['cat', '/run/secrets/lab-pw'],
    });
    assert.equal(exec.status, 201, exec.body);
    const out = await sw!.api(host, 'POST', `/exec/${exec.json<{ Id: string }>().Id}/start`, {
      Detach: false,
      Tty: true,
    });
    assert.equal(out.status, 200, out.body);
    assert.equal(out.body, value);
    await sw!.removeService(M, 'reader');
  });
});
