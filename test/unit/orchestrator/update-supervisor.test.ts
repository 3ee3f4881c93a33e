import { strict as assert } from 'node:assert';
import type { UpdateConfig } from '../../../src/api';
import { Harness } from './harness';

const SEC = 1e9;

describe('orchestrator: rolling updates', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness(['replicated']).start();
    await h.addNode('n1');
    await h.addNode('n2');
  });
  afterEach(() => h.stop());

  async function service(update: UpdateConfig, replicas = 6, rollback?: UpdateConfig): Promise<void> {
    await h.createService({
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'web:1' }, RestartPolicy: { Condition: 'any', Delay: 0 } },
      Mode: { Replicated: { Replicas: replicas } },
      UpdateConfig: update,
      ...(rollback ? { RollbackConfig: rollback } : {}),
    });
    await h.agents();
    assert.equal(h.live('web').filter((t) => t.Status.State === 'running').length, replicas);
  }

  const image = (t: { Spec: { ContainerSpec?: { Image?: string } } }) => t.Spec.ContainerSpec!.Image;
  const setImage = (img: string) => h.updateService('web', (s) => (s.TaskTemplate.ContainerSpec!.Image = img));

  it('stop-first, parallelism 2 over 6 tasks: two slots at a time, each new task starting once its old one stopped', async () => {
    await service({ Parallelism: 2, Order: 'stop-first', Monitor: 1 * SEC });
    await setImage('web:2');
    const st = h.service('web').UpdateStatus!;
    assert.equal(st.State, 'updating');
    assert.equal(st.Message, 'update in progress');
    assert.equal(st.StartedAt, new Date(h.clock.now()).toISOString());
    const rounds: number[] = [];
    for (
      let round = 0;
      round < 10 && h.live('web').some((t) => image(t) !== 'web:2' || t.Status.State !== 'running');
      round++
    ) {
      const fresh = h.live('web').filter((t) => image(t) === 'web:2' && t.Status.State !== 'running');
      rounds.push(fresh.length);
      assert.ok(fresh.length <= 2, 'at most 2 slots in flight');
      // The new tasks wait (ready) for the old ones to stop.
      for (const t of fresh) assert.equal(t.DesiredState, 'ready');
      assert.equal(h.live('web').length, 6, 'stop-first: never more than one live task per slot');
      await h.agents({ stopOnly: true });
      for (const t of h.live('web').filter((t) => image(t) === 'web:2' && t.Status.State !== 'running'))
        assert.equal(t.DesiredState, 'running');
      await h.agents();
    }
    assert.deepEqual(rounds, [2, 2, 2]);
    assert.ok(h.live('web').every((t) => image(t) === 'web:2' && t.Status.State === 'running'));
    assert.deepEqual(
      h.live('web').map((t) => t.Slot),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal(h.service('web').UpdateStatus!.State, 'updating', 'monitoring the last batch');
    await h.advance(1000);
    const done = h.service('web').UpdateStatus!;
    assert.equal(done.State, 'completed');
    assert.equal(done.Message, 'update completed');
    assert.equal(done.CompletedAt, new Date(h.clock.now()).toISOString());
    assert.equal(done.StartedAt, st.StartedAt);
  });

  it('start-first, parallelism 2 over 6: the new task runs beside the old, which stops once the new one runs', async () => {
    await service({ Parallelism: 2, Order: 'start-first', Monitor: 1 * SEC });
    await setImage('web:2');
    for (let round = 0; round < 3; round++) {
      const live = h.live('web');
      const fresh = live.filter((t) => image(t) === 'web:2' && t.Status.State !== 'running');
      assert.equal(fresh.length, 2);
      assert.equal(live.length, 8, 'two slots hold old and new');
      for (const t of fresh) {
        assert.equal(t.DesiredState, 'running');
        const old = live.find((o) => o.Slot === t.Slot && image(o) === 'web:1')!;
        assert.equal(old.Status.State, 'running');
      }
      await h.agents({ runOnly: true });
      // Now running: their old tasks are told to stop.
      for (const t of fresh) {
        const olds = h.tasks('web').filter((o) => o.Slot === t.Slot && image(o) === 'web:1');
        assert.ok(olds.every((o) => o.DesiredState === 'shutdown'));
      }
      await h.agents({ stopOnly: true });
    }
    assert.ok(h.live('web').every((t) => image(t) === 'web:2'));
    await h.advance(1000);
    assert.equal(h.service('web').UpdateStatus!.State, 'completed');
  });

  it('parallelism 0 updates every slot at once; Delay spaces the batches', async () => {
    await service({ Parallelism: 0, Monitor: 1 * SEC }, 4);
    await setImage('web:2');
    assert.equal(h.live('web').filter((t) => image(t) === 'web:2').length, 4);
    await h.stop();
    h = new Harness(['replicated']).start();
    await h.addNode('n1');
    await service({ Parallelism: 1, Delay: 3 * SEC, Monitor: 1 * SEC }, 2);
    await setImage('web:2');
    await h.agents();
    await h.agents();
    assert.equal(h.live('web').filter((t) => image(t) === 'web:2').length, 1, 'slot 2 waits for the delay');
    await h.advance(3000);
    assert.equal(h.live('web').filter((t) => image(t) === 'web:2').length, 2);
  });

  it('a failure pauses the update (FailureAction pause, the default)', async () => {
    await service({ Parallelism: 1, Monitor: 5 * SEC });
    await setImage('web:bad');
    await h.agents({ stopOnly: true });
    await h.agents({ fail: (t) => image(t) === 'web:bad' });
    const failed = h.tasks('web').find((t) => t.Status.State === 'failed')!;
    const st = h.service('web').UpdateStatus!;
    assert.equal(st.State, 'paused');
    assert.equal(st.Message, `update paused due to failure or early termination of task ${failed.ID}`);
    // Paused: no more slots are touched.
    await h.agents();
    await h.advance(10_000);
    await h.agents();
    assert.equal(h.live('web').filter((t) => image(t) === 'web:1').length, 5);
    assert.equal(h.service('web').UpdateStatus!.State, 'paused');
  });

  it('a task that fails within Monitor of running counts; after Monitor it does not', async () => {
    await service({ Parallelism: 1, Monitor: 5 * SEC, FailureAction: 'pause' }, 2);
    await setImage('web:2');
    await h.agents();
    await h.agents();
    const first = h.live('web').find((t) => image(t) === 'web:2' && t.Status.State === 'running')!;
    await h.advance(6000);
    await h.setState(first.ID, 'failed');
    assert.equal(h.service('web').UpdateStatus!.State, 'updating', 'failed after its monitor period');
    await h.agents();
    await h.agents();
    const second = h.live('web').find((t) => t.Slot !== first.Slot && image(t) === 'web:2')!;
    await h.advance(1000);
    await h.setState(second.ID, 'failed');
    assert.equal(h.service('web').UpdateStatus!.State, 'paused');
  });

  it('a task held in starting (healthcheck) holds its slot; failing from starting (unhealthy) counts and is replaced', async () => {
    await service({ Parallelism: 1, Monitor: 5 * SEC, FailureAction: 'pause' }, 2);
    await setImage('web:2');
    await h.agents({ stopOnly: true });
    const fresh = h.live('web').find((t) => image(t) === 'web:2')!;
    assert.equal(fresh.DesiredState, 'running');
    await h.setState(fresh.ID, 'starting');
    await h.advance(60_000);
    assert.equal(h.service('web').UpdateStatus!.State, 'updating');
    assert.equal(h.live('web').filter((t) => image(t) === 'web:2').length, 1, 'the next slot waits for running');
    await h.setState(fresh.ID, 'failed');
    const st = h.service('web').UpdateStatus!;
    assert.equal(st.State, 'paused');
    assert.equal(st.Message, `update paused due to failure or early termination of task ${fresh.ID}`);
    const again = h.live('web').filter((t) => t.Slot === fresh.Slot);
    assert.equal(again.length, 1);
    assert.notEqual(again[0].ID, fresh.ID, 'the restart supervisor replaced the failed task');
  });

  it('a task failing during Monitor after the last slot still counts (the update does not complete)', async () => {
    await service({ Parallelism: 1, Monitor: 5 * SEC, FailureAction: 'pause' }, 1);
    await setImage('web:2');
    await h.agents({ stopOnly: true });
    await h.agents();
    const t = h.live('web').find((x) => image(x) === 'web:2' && x.Status.State === 'running')!;
    await h.advance(4000);
    assert.equal(h.service('web').UpdateStatus!.State, 'updating', 'still monitoring');
    await h.setState(t.ID, 'failed');
    assert.equal(h.service('web').UpdateStatus!.State, 'paused');
  });

  it('MaxFailureRatio tolerates failures up to the ratio; continue never stops', async () => {
    await service({ Parallelism: 1, Monitor: 1 * SEC, FailureAction: 'continue' }, 3);
    await setImage('web:bad');
    for (let i = 0; i < 8; i++) await h.agents({ fail: (t) => image(t) === 'web:bad' });
    assert.equal(h.service('web').UpdateStatus!.State, 'updating');
    assert.equal(h.live('web').filter((t) => image(t) === 'web:1').length, 0);
  });

  it('a failure rolls back to PreviousSpec: rollback_started, old tasks back with RollbackConfig, rollback_completed', async () => {
    await service({ Parallelism: 2, Monitor: 2 * SEC, FailureAction: 'rollback' }, 6, {
      Parallelism: 0,
      Monitor: 1 * SEC,
    });
    const original = structuredClone(h.service('web').Spec);
    await setImage('web:bad');
    assert.equal(h.service('web').UpdateStatus!.State, 'updating');
    await h.agents({ stopOnly: true });
    await h.agents({ fail: (t) => image(t) === 'web:bad' });
    const svc = h.service('web');
    assert.equal(svc.UpdateStatus!.State, 'rollback_started');
    assert.match(svc.UpdateStatus!.Message!, /^update rolled back due to failure or early termination of task \w+$/);
    assert.deepEqual(svc.Spec, original);
    assert.equal(svc.PreviousSpec, undefined);
    // RollbackConfig parallelism 0: every slot still on web:bad is replaced at once.
    const bad = h.live('web').filter((t) => image(t) === 'web:bad');
    assert.equal(bad.length, 0);
    await h.agents();
    await h.agents();
    assert.ok(h.live('web').every((t) => image(t) === 'web:1'));
    assert.equal(h.live('web').length, 6);
    await h.advance(1000);
    const done = h.service('web').UpdateStatus!;
    assert.equal(done.State, 'rollback_completed');
    assert.equal(done.Message, 'rollback completed');
    assert.ok(done.CompletedAt);
  });

  it('a failing rollback pauses as rollback_paused', async () => {
    await service({ Parallelism: 1, Monitor: 1 * SEC, FailureAction: 'rollback' }, 2, {
      Parallelism: 1,
      Monitor: 1 * SEC,
      FailureAction: 'rollback',
    });
    await setImage('web:bad');
    await h.agents({ stopOnly: true });
    await h.agents({ fail: () => true });
    assert.equal(h.service('web').UpdateStatus!.State, 'rollback_started');
    for (let i = 0; i < 3; i++) await h.agents({ fail: () => true });
    const st = h.service('web').UpdateStatus!;
    assert.equal(st.State, 'rollback_paused');
    assert.match(st.Message!, /^rollback paused due to failure or early termination of task /);
  });

  it('ForceUpdate replaces every task with the same spec otherwise', async () => {
    await service({ Parallelism: 0, Monitor: 1 * SEC }, 3);
    const before = new Set(h.live('web').map((t) => t.ID));
    await h.updateService('web', (s) => (s.TaskTemplate.ForceUpdate = 1));
    await h.agents();
    await h.agents();
    assert.ok(h.live('web').every((t) => !before.has(t.ID) && t.Spec.ForceUpdate === 1));
    await h.advance(1000);
    assert.equal(h.service('web').UpdateStatus!.State, 'completed');
  });

  it('an update in progress carries on after the orchestrator restarts', async () => {
    await service({ Parallelism: 2, Monitor: 1 * SEC });
    await setImage('web:2');
    await h.agents({ stopOnly: true });
    await h.restart();
    assert.equal(h.service('web').UpdateStatus!.State, 'updating');
    assert.equal(
      h.live('web').filter((t) => image(t) === 'web:2').length,
      2,
      'no extra slot started by the new leader',
    );
    for (let i = 0; i < 6; i++) await h.agents();
    assert.ok(h.live('web').every((t) => image(t) === 'web:2' && t.Status.State === 'running'));
    assert.equal(h.live('web').length, 6);
    await h.advance(1000);
    assert.equal(h.service('web').UpdateStatus!.State, 'completed');
  });

  it('a paused update stays paused across a restart', async () => {
    await service({ Parallelism: 1, Monitor: 1 * SEC }, 2);
    await setImage('web:bad');
    await h.agents({ stopOnly: true });
    await h.agents({ fail: (t) => image(t) === 'web:bad' });
    assert.equal(h.service('web').UpdateStatus!.State, 'paused');
    await h.restart();
    await h.agents();
    assert.equal(h.service('web').UpdateStatus!.State, 'paused');
    assert.equal(h.live('web').filter((t) => image(t) === 'web:1').length, 1);
  });

  it('a slot whose old task was never placed on a node starts its new task without waiting for it', async () => {
    await service({ Parallelism: 1, Monitor: 1 * SEC }, 1);
    await h.setState(h.live('web')[0]!.ID, 'failed');
    // The replacement is pending: no node has taken it, so no agent will ever report it stopped.
    const [unplaced] = h.live('web');
    await h.setState(unplaced!.ID, 'pending');
    await setImage('web:2');
    assert.equal(h.tasks('web').find((t) => t.ID === unplaced!.ID)!.DesiredState, 'shutdown');
    const [next] = h.live('web');
    assert.equal(image(next!), 'web:2');
    assert.equal(next!.DesiredState, 'running');
  });
});
