import assert from 'node:assert/strict';
import { newTask } from '../../../manager/orchestrator/new-task';
import { cliSpec, Harness } from './harness';

/** What the docker CLI sends for `service create --mode replicated-job|global-job`. */
function jobSpec(name: string, mode: object): any {
  const { Mode: _m, ...rest } = cliSpec(name);
  return { ...rest, Mode: mode };
}

describe('controlapi: job services', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().start();
  });
  afterEach(() => h.stop());

  async function create(spec: unknown): Promise<string> {
    const r = await h.call('POST', '/services/create', spec);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.ID as string;
  }
  const inspect = async (id: string) => (await h.call('GET', `/services/${id}`)).body;

  it('create fills Docker defaults and starts iteration 0', async () => {
    const one = await inspect(await create(jobSpec('one', { ReplicatedJob: {} })));
    assert.deepEqual(one.Spec.Mode, { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } });
    assert.equal(one.JobStatus.JobIteration.Index, 0);
    assert.ok(!Number.isNaN(Date.parse(one.JobStatus.LastExecution)));
    const two = await inspect(await create(jobSpec('two', { ReplicatedJob: { MaxConcurrent: 2 } })));
    assert.deepEqual(two.Spec.Mode, { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 2 } });
    const g = await inspect(await create(jobSpec('g', { GlobalJob: {} })));
    assert.deepEqual(g.Spec.Mode, { GlobalJob: {} });
    assert.equal(g.JobStatus.JobIteration.Index, 0);
    const plain = await inspect(await create(cliSpec('web')));
    assert.equal(plain.JobStatus, undefined);
    const withDefaults = (await h.call('GET', `/services/${g.ID}?insertDefaults=true`)).body;
    assert.equal(withDefaults.Spec.UpdateConfig, undefined, 'a job shows no update config');
  });

  it('refuses bad MaxConcurrent and TotalCompletions, naming the field', async () => {
    for (const [mode, field] of [
      [{ ReplicatedJob: { MaxConcurrent: -1 } }, /Mode\.ReplicatedJob\.MaxConcurrent/],
      [{ ReplicatedJob: { TotalCompletions: 1.5 } }, /Mode\.ReplicatedJob\.TotalCompletions/],
      [{ ReplicatedJob: { MaxConcurrent: 'two' } }, /Mode\.ReplicatedJob\.MaxConcurrent/],
    ] as const) {
      const r = await h.call('POST', '/services/create', jobSpec('x', mode));
      assert.equal(r.status, 400, JSON.stringify(mode));
      assert.match(r.body.message, field);
    }
    assert.equal((await h.call('GET', '/services')).body.length, 0, 'nothing stored');
  });

  it('refuses an UpdateConfig on a job, as swarmkit', async () => {
    const r = await h.call('POST', '/services/create', {
      ...jobSpec('x', { GlobalJob: {} }),
      UpdateConfig: { Parallelism: 1 },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.message, 'rpc error: code = InvalidArgument desc = Jobs may not have an update config');
  });

  it('refuses a change between job and non-job modes, or between the job kinds', async () => {
    const job = await create(jobSpec('job', { ReplicatedJob: { TotalCompletions: 3 } }));
    const web = await create(cliSpec('web'));
    const tryMode = async (id: string, Mode: object) => {
      const cur = await inspect(id);
      return h.call('POST', `/services/${id}/update?version=${cur.Version.Index}`, { ...cur.Spec, Mode });
    };
    for (const [id, mode] of [
      [job, { Replicated: { Replicas: 3 } }],
      [job, { GlobalJob: {} }],
      [web, { ReplicatedJob: { TotalCompletions: 3 } }],
    ] as const) {
      const r = await tryMode(id, mode);
      assert.equal(r.status, 400, JSON.stringify(mode));
      assert.match(r.body.message, /service mode change is not allowed/);
    }
    assert.deepEqual((await inspect(job)).Spec.Mode, { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 3 } });
  });

  it('every update (a ForceUpdate too, or a rollback) starts the next iteration', async () => {
    const id = await create(jobSpec('job', { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 4 } }));
    let cur = await inspect(id);
    const first = cur.JobStatus.LastExecution;
    const spec = { ...cur.Spec, TaskTemplate: { ...cur.Spec.TaskTemplate, ForceUpdate: 1 } };
    let r = await h.call('POST', `/services/${id}/update?version=${cur.Version.Index}`, spec);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    cur = await inspect(id);
    assert.equal(cur.JobStatus.JobIteration.Index, 1);
    assert.ok(cur.JobStatus.LastExecution >= first);
    r = await h.call('POST', `/services/${id}/update?version=${cur.Version.Index}&rollback=previous`, cur.Spec);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await inspect(id)).JobStatus.JobIteration.Index, 2);
  });

  it('ServiceStatus counts the current iteration: CompletedTasks, DesiredTasks as swarmkit', async () => {
    const rj = await create(jobSpec('rj', { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 3 } }));
    const gj = await create(jobSpec('gj', { GlobalJob: {} }));
    await h.store.update((tx) => {
      const task = (svcId: string, iteration: number, state: string, desired = 'complete') => {
        const svc = tx.get('service', svcId)!;
        const t = newTask({ ...svc, JobStatus: { JobIteration: { Index: iteration } } }, { nodeId: 'n1' }, Date.now());
        t.Status = { State: state as never };
        t.DesiredState = desired as never;
        tx.create('task', t);
      };
      task(rj, 0, 'complete');
      task(rj, 0, 'complete');
      task(rj, 0, 'running');
      task(rj, 0, 'failed', 'shutdown');
      task(gj, 0, 'complete');
      task(gj, 0, 'running');
      task(gj, 0, 'pending');
    });
    let list = (await h.call('GET', '/services?status=true')).body as any[];
    let byName = Object.fromEntries(list.map((s) => [s.Spec.Name, s.ServiceStatus]));
    assert.deepEqual(byName.rj, { RunningTasks: 1, DesiredTasks: 2, CompletedTasks: 2 });
    assert.deepEqual(byName.gj, { RunningTasks: 1, DesiredTasks: 2, CompletedTasks: 1 });

    const cur = await inspect(rj);
    await h.call('POST', `/services/${rj}/update?version=${cur.Version.Index}`, cur.Spec);
    list = (await h.call('GET', '/services?status=true')).body as any[];
    byName = Object.fromEntries(list.map((s) => [s.Spec.Name, s.ServiceStatus]));
    assert.deepEqual(
      byName.rj,
      { RunningTasks: 0, DesiredTasks: 2, CompletedTasks: 0 },
      'a new iteration counts afresh',
    );
  });
});
