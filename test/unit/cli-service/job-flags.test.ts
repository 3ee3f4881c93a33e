import assert from 'node:assert/strict';
import { composeToStack } from '../../../cli/compose-spec';
import { jobProgressView } from '../../../cli/job-progress';
import { applyServiceUpdate, buildServiceSpec } from '../../../cli/service-spec-flags';
import { serviceLsRows } from '../../../cli/service-tables';

describe('cli: job services', () => {
  it('create --mode replicated-job|global-job builds what the docker CLI sends', () => {
    assert.deepEqual(buildServiceSpec('i', [], { mode: 'replicated-job' }).Mode, { ReplicatedJob: {} });
    assert.deepEqual(buildServiceSpec('i', [], { mode: 'replicated-job', replicas: '3' }).Mode, {
      ReplicatedJob: { MaxConcurrent: 3, TotalCompletions: 3 },
    });
    assert.deepEqual(buildServiceSpec('i', [], { mode: 'replicated-job', replicas: '3', maxConcurrent: '2' }).Mode, {
      ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 3 },
    });
    assert.deepEqual(buildServiceSpec('i', [], { mode: 'global-job' }).Mode, { GlobalJob: {} });
    const j = buildServiceSpec('i', [], { mode: 'global-job', updateParallelism: '2', rollbackDelay: '1s' });
    assert.equal(j.UpdateConfig, undefined, 'jobs get no update config');
    assert.equal(j.RollbackConfig, undefined);
  });

  it('refuses flags that do not fit the mode, with docker words', () => {
    assert.throws(
      () => buildServiceSpec('i', [], { mode: 'global-job', replicas: '2' }),
      /replicas can only be used with replicated or replicated-job mode/,
    );
    assert.throws(
      () => buildServiceSpec('i', [], { mode: 'global-job', maxConcurrent: '2' }),
      /max-concurrent can only be used with replicated-job mode/,
    );
    assert.throws(
      () => buildServiceSpec('i', [], { maxConcurrent: '2' }),
      /max-concurrent can only be used with replicated-job mode/,
    );
    assert.throws(() => buildServiceSpec('i', [], { mode: 'cron' }), /invalid mode: cron/);
  });

  it('update --replicas and --max-concurrent change a replicated job', () => {
    const cur = buildServiceSpec('i', [], { mode: 'replicated-job', replicas: '3' });
    const next = applyServiceUpdate(cur, { replicas: '5', maxConcurrent: '1', force: true });
    assert.deepEqual(next.Mode, { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 5 } });
  });

  it('service ls shows the mode and the completions as docker', () => {
    const svc = (Mode: object, ServiceStatus: object): any => ({
      ID: 'abcdefghijklmnop',
      Spec: { Name: 'j', Mode, TaskTemplate: { ContainerSpec: { Image: 'busybox' } } },
      ServiceStatus,
    });
    const rows = serviceLsRows([
      svc(
        { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 3 } },
        { RunningTasks: 2, DesiredTasks: 2, CompletedTasks: 1 },
      ),
    ]);
    assert.deepEqual(rows[0].slice(2, 4), ['replicated job', '2/2 (1/3 completed)']);
    const g = serviceLsRows([svc({ GlobalJob: {} }, { RunningTasks: 1, DesiredTasks: 1, CompletedTasks: 2 })]);
    assert.deepEqual(g[0].slice(2, 4), ['global job', '1/1 (2/3 completed)']);
  });

  it('progress: completions, active tasks, a line per slot, done once all completed', () => {
    const svc: any = {
      ID: 's',
      JobStatus: { JobIteration: { Index: 1 } },
      Spec: { Name: 'j', Mode: { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 3 } }, TaskTemplate: {} },
    };
    // `n` is the line's number; job slots count from 0.
    const t = (n: number, state: string, iteration = 1, Err?: string): any => ({
      ID: `${n}${state}`,
      Slot: n - 1,
      JobIteration: { Index: iteration },
      Status: { State: state, ...(Err ? { Err } : {}) },
      DesiredState: 'complete',
    });
    let v = jobProgressView(svc, [t(1, 'complete'), t(2, 'running'), t(3, 'complete', 0)]);
    assert.equal(v.done, false);
    assert.match(v.lines[0], /^job progress: 1 out of 3 complete \[=+> +\]$/);
    assert.equal(v.lines[1], 'active tasks: 1 out of 2 tasks');
    assert.match(v.lines[2], /^1\/3: complete /);
    assert.match(v.lines[3], /^2\/3: running /);
    assert.equal(v.lines[4], '3/3:');
    v = jobProgressView(svc, [
      t(1, 'complete'),
      t(2, 'complete'),
      t(3, 'failed', 1, 'task: non-zero exit (1)'),
      t(3, 'new'),
    ]);
    assert.match(v.lines[4], /^3\/3: new /, 'the slot shows its retry');
    v = jobProgressView(svc, [t(1, 'complete'), t(2, 'complete'), t(3, 'complete')]);
    assert.equal(v.done, true);
    assert.equal(v.lines[1], 'active tasks: 0 out of 0 tasks');

    const g: any = { ...svc, Spec: { ...svc.Spec, Mode: { GlobalJob: {} } } };
    const on = (node: string, state: string): any => ({ ...t(1, state), Slot: undefined, NodeID: node });
    v = jobProgressView(g, [on('n1', 'complete'), on('n2', 'starting')]);
    assert.match(v.lines[0], /^job progress: 1 out of 2 complete/);
    assert.equal(v.lines.length, 3);
    assert.equal(jobProgressView(g, []).lines[0], 'job progress: waiting for tasks');
  });

  it('compose deploy.mode replicated-job and global-job', () => {
    const plan = composeToStack(
      {
        services: {
          once: { image: 'i', deploy: { mode: 'replicated-job', replicas: 4 } },
          each: { image: 'i', deploy: { mode: 'global-job' } },
        },
      } as never,
      'st',
    );
    const byName = Object.fromEntries(plan.services.map((s) => [s.Name, s.Mode]));
    assert.deepEqual(byName.st_once, { ReplicatedJob: { MaxConcurrent: 4, TotalCompletions: 4 } });
    assert.deepEqual(byName.st_each, { GlobalJob: {} });
    assert.throws(
      () =>
        composeToStack({ services: { a: { image: 'i', deploy: { mode: 'global-job', replicas: 2 } } } } as never, 's'),
      /replicas can only be used with replicated or replicated-job mode/,
    );
  });
});
