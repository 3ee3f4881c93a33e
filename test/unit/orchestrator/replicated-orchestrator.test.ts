import { strict as assert } from 'node:assert';
import { RETRY_AFTER_FAILURE_MS } from '../../../manager/orchestrator/reconcile-loop';
import { Harness } from './harness';

describe('orchestrator: replicated', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(['replicated', 'reaper']).start();
  });
  afterEach(() => h.stop());

  it('creates one task per slot 1..N, shaped as Docker and swarmkit make them', async () => {
    await h.createService({ Name: 'web', Labels: { tier: 'front' }, Mode: { Replicated: { Replicas: 3 } } });
    const tasks = h.live('web');
    assert.deepEqual(
      tasks.map((t) => t.Slot),
      [1, 2, 3],
    );
    const svc = h.service('web');
    for (const t of tasks) {
      assert.equal(t.ServiceID, 'web');
      assert.deepEqual(t.Spec, svc.Spec.TaskTemplate);
      assert.deepEqual(t.ServiceAnnotations, { Name: 'web', Labels: { tier: 'front' } });
      assert.equal(t.Status.State, 'new');
      assert.equal(t.Status.Message, 'created');
      assert.equal(t.Status.Timestamp, new Date(h.clock.now()).toISOString());
      assert.equal(t.DesiredState, 'running');
      assert.equal(t.SpecVersion?.Index, svc.Version.Index);
      assert.equal(t.Name, undefined);
      assert.equal(t.NodeID, undefined);
      assert.equal(t.ID.length, 25);
      assert.ok(t.Version.Index > 0);
    }
  });

  it('a pass that fails (not on a sequence conflict) is tried again on its own, without a new change', async () => {
    const update = h.store.update.bind(h.store);
    let failures = 1;
    let createsSeen = 0;
    h.store.update = ((fn: Parameters<typeof update>[0]) => {
      createsSeen++;
      // The service's own write goes through; the orchestrator's first batch of tasks fails.
      if (createsSeen === 2 && failures-- > 0) return Promise.reject(new Error('no quorum for a moment'));
      return update(fn);
    }) as typeof update;
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 2 } } });
    assert.equal(h.live('web').length, 0);
    await h.advance(RETRY_AFTER_FAILURE_MS);
    assert.equal(h.live('web').length, 2);
  });

  it('creates all of a reconcile in one batch', async () => {
    const before = h.store.index;
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 10 } } });
    assert.equal(h.live('web').length, 10);
    assert.equal(h.store.index, before + 2, 'the service, then one batch of 10 tasks');
  });

  it('scales up into the next free slots', async () => {
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 2 } } });
    await h.updateService('web', (s) => (s.Mode = { Replicated: { Replicas: 5 } }));
    assert.deepEqual(
      h.live('web').map((t) => t.Slot),
      [1, 2, 3, 4, 5],
    );
  });

  it('scales down by shutting down the highest slots', async () => {
    await h.addNode('n1');
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 5 } } });
    await h.agents();
    await h.updateService('web', (s) => (s.Mode = { Replicated: { Replicas: 3 } }));
    assert.deepEqual(
      h.live('web').map((t) => t.Slot),
      [1, 2, 3],
    );
    const down = h.tasks('web').filter((t) => t.DesiredState === 'shutdown');
    assert.deepEqual(down.map((t) => t.Slot).sort(), [4, 5]);
    // Once stopped, the scaled-away slots go (the reaper).
    await h.agents();
    assert.deepEqual(
      h
        .tasks('web')
        .map((t) => t.Slot)
        .sort(),
      [1, 2, 3],
    );
  });

  it('scales down on the nodes that hold the most tasks first', async () => {
    await h.addNode('a');
    await h.addNode('b');
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 4 } } });
    // Slots 1-3 on a, slot 4 on b.
    await h.agents({ nodes: ['a', 'a', 'a', 'b'] });
    assert.deepEqual(
      h.live('web').map((t) => t.NodeID),
      ['a', 'a', 'a', 'b'],
    );
    await h.updateService('web', (s) => (s.Mode = { Replicated: { Replicas: 2 } }));
    const live = h.live('web');
    assert.deepEqual(
      live.map((t) => [t.Slot, t.NodeID]),
      [
        [1, 'a'],
        [4, 'b'],
      ],
    );
  });

  it('keeps running slots before ones that are not running yet', async () => {
    await h.addNode('a');
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 3 } } });
    await h.agents();
    await h.setState(h.live('web')[0].ID, 'starting'); // slot 1 is not running
    await h.updateService('web', (s) => (s.Mode = { Replicated: { Replicas: 2 } }));
    assert.deepEqual(
      h.live('web').map((t) => t.Slot),
      [2, 3],
    );
  });

  it('a deleted service has its tasks set to remove, then reaped once stopped', async () => {
    await h.addNode('n1');
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 3 } } });
    await h.agents();
    await h.store.update((tx) => tx.delete('service', 'web'));
    await h.settle();
    assert.deepEqual(
      h.tasks('web').map((t) => t.DesiredState),
      ['remove', 'remove', 'remove'],
    );
    await h.agents();
    assert.equal(h.tasks('web').length, 0);
  });

  it('tasks of a service deleted while stopped are removed at start', async () => {
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 2 } } });
    await h.restart(() => h.store.update((tx) => tx.delete('service', 'web')));
    // Never given to a node: nothing to stop, so they go at once.
    assert.equal(h.tasks('web').length, 0);
  });

  it('stop() is idempotent and start() twice runs one loop', async () => {
    const [r] = h.components;
    r.start();
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 2 } } });
    assert.equal(h.live('web').length, 2);
    await r.stop();
    await r.stop();
    assert.equal(r.running, false);
  });
});
