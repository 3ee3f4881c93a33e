import { strict as assert } from 'node:assert';
import { Harness } from './harness';

describe('orchestrator: global job', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness(['global-job', 'reaper', 'enforcer']).start();
    await h.addNode('a');
    await h.addNode('b');
  });
  afterEach(() => h.stop());

  const job = (RestartPolicy?: object) =>
    h.createService({
      Name: 'once',
      Mode: { GlobalJob: {} },
      TaskTemplate: { ContainerSpec: { Image: 'busybox:1' }, ...(RestartPolicy ? { RestartPolicy } : {}) },
    });
  const active = () =>
    h
      .tasks('once')
      .filter((t) => (t.DesiredState === 'complete' || t.DesiredState === 'ready') && t.Status.State !== 'complete')
      .map((t) => t.NodeID)
      .sort();
  const completedOn = () =>
    h
      .tasks('once')
      .filter((t) => t.Status.State === 'complete')
      .map((t) => t.NodeID)
      .sort();

  it('runs one task per node to completion, NodeID set, no slot, DesiredState complete', async () => {
    await job();
    const tasks = h.tasks('once');
    assert.deepEqual(active(), ['a', 'b']);
    for (const t of tasks) {
      assert.equal(t.Slot, undefined);
      assert.equal(t.DesiredState, 'complete');
      assert.deepEqual(t.JobIteration, { Index: 0 });
    }
    await h.agents();
    await h.finish('once');
    assert.deepEqual(completedOn(), ['a', 'b']);
    assert.deepEqual(active(), []);
    await h.advance(60_000);
    assert.equal(h.tasks('once').length, 2, 'not run again');
  });

  it('leaves nodes that join later to the next iteration, and skips drained ones', async () => {
    await h.editNode('b', (n) => (n.Spec.Availability = 'drain'));
    await job();
    assert.deepEqual(active(), ['a']);
    h.clock.advance(1000);
    await h.addNode('c');
    assert.deepEqual(active(), ['a'], 'c joined after the job started');
    await h.editNode('b', (n) => (n.Spec.Availability = 'active'));
    assert.deepEqual(active(), ['a', 'b'], 'b existed when it started');
    await h.updateService('once', (s) => (s.TaskTemplate.ForceUpdate = 1));
    assert.deepEqual(active(), ['a', 'b', 'c'], 'the next iteration runs on c too');
  });

  it('retries a failed task on its node; a drained node gets no replacement', async () => {
    await job({ Delay: 1e9 });
    await h.agents();
    await h.finish('once', (t) => t.NodeID === 'a');
    const onA = h.tasks('once').filter((t) => t.NodeID === 'a');
    assert.equal(onA.length, 2);
    assert.equal(onA.find((t) => t.Status.State === 'new')!.DesiredState, 'ready');
    await h.advance(1000);
    assert.deepEqual(active(), ['a']);
    await h.agents();
    await h.editNode('a', (n) => (n.Spec.Availability = 'drain'));
    assert.deepEqual(active(), []);
    assert.deepEqual(completedOn(), ['b']);
  });

  it('a new iteration shuts down what still runs from the old one', async () => {
    await job();
    await h.agents();
    const old = h.tasks('once').map((t) => t.ID);
    await h.updateService('once', (s) => (s.TaskTemplate.ContainerSpec!.Image = 'busybox:2'));
    for (const id of old) assert.equal(h.tasks('once').find((t) => t.ID === id)!.DesiredState, 'shutdown');
    assert.deepEqual(active(), ['a', 'b']);
    assert.ok(
      h
        .tasks('once')
        .filter((t) => !old.includes(t.ID))
        .every((t) => t.JobIteration!.Index === 1 && t.Spec.ContainerSpec!.Image === 'busybox:2'),
    );
  });
});
