import { strict as assert } from 'node:assert';
import type { TaskObject } from '../../../src/api';
import { Harness } from './harness';

describe('orchestrator: replicated job', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness(['replicated-job', 'reaper']).start();
    await h.addNode('a');
    await h.addNode('b');
  });
  afterEach(() => h.stop());

  const job = (MaxConcurrent: number, TotalCompletions: number, RestartPolicy?: object) =>
    h.createService({
      Name: 'batch',
      Mode: { ReplicatedJob: { MaxConcurrent, TotalCompletions } },
      TaskTemplate: { ContainerSpec: { Image: 'busybox:1' }, ...(RestartPolicy ? { RestartPolicy } : {}) },
    });
  const wanted = (tasks: TaskObject[]) =>
    tasks.filter((t) => t.DesiredState === 'complete' || t.DesiredState === 'ready');
  const underway = () => wanted(h.tasks('batch')).filter((t) => t.Status.State !== 'complete');
  const completed = () => h.tasks('batch').filter((t) => t.Status.State === 'complete');

  it('runs TotalCompletions tasks to completion, at most MaxConcurrent at once, each in its own slot', async () => {
    await job(2, 3);
    let tasks = underway();
    assert.equal(tasks.length, 2);
    for (const t of tasks) {
      assert.equal(t.DesiredState, 'complete');
      assert.deepEqual(t.JobIteration, { Index: 0 });
    }
    assert.deepEqual(tasks.map((t) => t.Slot).sort(), [0, 1], 'job slots count from 0, as swarmkit');
    await h.agents();
    await h.finish('batch');
    tasks = underway();
    assert.equal(completed().length, 2);
    assert.deepEqual(
      tasks.map((t) => t.Slot),
      [2],
      'one more to reach 3',
    );
    await h.agents();
    await h.finish('batch');
    assert.equal(completed().length, 3);
    assert.equal(underway().length, 0);
    assert.deepEqual(
      completed()
        .map((t) => t.Slot)
        .sort(),
      [0, 1, 2],
    );
    await h.advance(60_000);
    assert.equal(h.tasks('batch').length, 3, 'a completed task is never run again');
  });

  it('defaults: MaxConcurrent 1, TotalCompletions = MaxConcurrent (as normalized by the API)', async () => {
    await job(1, 1);
    assert.equal(underway().length, 1);
    await h.agents();
    await h.finish('batch');
    assert.equal(underway().length, 0);
    assert.equal(completed().length, 1);
  });

  it('retries a failed task in its slot after the restart delay, condition any reading as on-failure', async () => {
    await job(1, 2, { Delay: 1e9 });
    await h.agents();
    const first = underway()[0];
    await h.finish('batch', () => true);
    const retry = underway();
    assert.equal(retry.length, 1);
    assert.notEqual(retry[0].ID, first.ID);
    assert.equal(retry[0].Slot, first.Slot);
    assert.equal(retry[0].DesiredState, 'ready', 'waits for the delay');
    await h.advance(1000);
    assert.equal(underway()[0].DesiredState, 'complete');
    await h.agents();
    await h.finish('batch');
    assert.equal(completed().length, 1);
    assert.equal(underway()[0].Slot, 1);
  });

  it('gives a slot up once MaxAttempts failures are used, and never exceeds the completions', async () => {
    await job(1, 2, { Delay: 0, MaxAttempts: 1 });
    for (let i = 0; i < 3; i++) {
      await h.agents();
      await h.finish('batch', (t) => t.Slot === 0);
    }
    const bySlot = (n: number) => h.tasks('batch').filter((t) => t.Slot === n);
    assert.equal(bySlot(0).length, 2, 'the first run and one retry');
    assert.ok(bySlot(0).every((t) => t.Status.State === 'failed'));
    assert.equal(completed().length, 1);
    assert.equal(completed()[0].Slot, 1);
    assert.equal(underway().length, 0);
  });

  it('with condition none a failure is not retried', async () => {
    await job(1, 1, { Condition: 'none' });
    await h.agents();
    await h.finish('batch', () => true);
    assert.equal(underway().length, 0);
    assert.equal(h.tasks('batch').length, 1);
  });

  it('a new iteration shuts the old tasks down and counts completions afresh', async () => {
    await job(2, 2);
    await h.agents();
    const old = underway();
    await h.finish('batch');
    assert.equal(completed().length, 2);
    await h.updateService('batch', (s) => (s.TaskTemplate.ForceUpdate = 1));
    const fresh = underway();
    assert.equal(fresh.length, 2);
    assert.ok(fresh.every((t) => t.JobIteration!.Index === 1));
    for (const t of old) assert.equal(h.tasks('batch').find((x) => x.ID === t.ID)?.DesiredState, 'shutdown');

    // Still running when the next iteration starts: shut down.
    await h.agents();
    await h.updateService('batch', (s) => (s.TaskTemplate.ForceUpdate = 2));
    const running = h.tasks('batch').filter((t) => t.JobIteration!.Index === 1);
    assert.ok(running.every((t) => t.DesiredState === 'shutdown'));
    assert.ok(underway().every((t) => t.JobIteration!.Index === 2));
    await h.agents();
    assert.ok(running.every((t) => h.tasks('batch').find((x) => x.ID === t.ID)?.Status.State !== 'running'));
  });

  it('moves a task off a drained node; completions survive a history limit of 0', async () => {
    await h.store.update((tx) =>
      tx.create('cluster', { ID: 'c', Spec: { Name: 'default', Orchestration: { TaskHistoryRetentionLimit: 0 } } }),
    );
    await job(1, 2);
    await h.agents({ nodes: ['a'] });
    await h.finish('batch');
    await h.agents({ nodes: ['a'] });
    await h.editNode('a', (n) => (n.Spec.Availability = 'drain'));
    const moved = underway();
    assert.equal(moved.length, 1);
    assert.equal(moved[0].NodeID, undefined);
    assert.equal(completed().length, 1, 'the completed task on the drained node still counts');
    await h.agents(); // the old task stops, so its replacement may start
    await h.agents();
    await h.finish('batch');
    assert.equal(completed().length, 2);
    assert.equal(h.tasks('batch').length, 2, 'the shut-down task is reaped, the completed ones kept');
  });

  it('removes the tasks of a deleted job', async () => {
    await job(2, 4);
    await h.agents();
    await h.store.update((tx) => tx.delete('service', 'batch'));
    await h.settle();
    assert.ok(h.tasks('batch').every((t) => t.DesiredState === 'remove'));
  });
});
