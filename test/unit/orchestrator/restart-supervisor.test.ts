import { strict as assert } from 'node:assert';
import type { RestartPolicy } from '../../../src/api';
import { Harness } from './harness';

const SEC = 1e9;

describe('orchestrator: restart supervisor', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness(['replicated']).start();
    await h.addNode('n1');
  });
  afterEach(() => h.stop());

  async function service(policy?: RestartPolicy): Promise<string> {
    await h.createService({
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'busybox:1' }, ...(policy ? { RestartPolicy: policy } : {}) },
      Mode: { Replicated: { Replicas: 1 } },
    });
    await h.agents();
    return h.live('web')[0].ID;
  }

  it('replaces a failed task in its slot: ready at once, running after the default 5 s delay', async () => {
    const first = await service();
    await h.setState(first, 'failed');
    const old = h.tasks('web').find((t) => t.ID === first)!;
    assert.equal(old.DesiredState, 'shutdown');
    const [next] = h.live('web');
    assert.notEqual(next.ID, first);
    assert.equal(next.Slot, 1);
    assert.equal(next.DesiredState, 'ready');
    assert.equal(next.Status.State, 'new');
    await h.advance(4999);
    assert.equal(h.live('web')[0].DesiredState, 'ready');
    await h.advance(1);
    assert.equal(h.live('web')[0].DesiredState, 'running');
  });

  it('uses the policy Delay', async () => {
    const first = await service({ Condition: 'any', Delay: 2 * SEC });
    await h.setState(first, 'complete');
    await h.advance(1999);
    assert.equal(h.live('web')[0].DesiredState, 'ready');
    await h.advance(1);
    assert.equal(h.live('web')[0].DesiredState, 'running');
  });

  it('a replacement waits for the old task to stop (node drained: no delay)', async () => {
    const first = await service({ Delay: 10 * SEC });
    await h.editNode('n1', (n) => (n.Spec.Availability = 'drain'));
    const [next] = h.live('web');
    assert.equal(next.DesiredState, 'ready', 'the old task still runs');
    await h.agents({ stopOnly: true });
    assert.equal(h.tasks('web').find((t) => t.ID === first)!.Status.State, 'shutdown');
    assert.equal(h.live('web')[0].DesiredState, 'running');
  });

  it('condition any restarts completed and failed tasks', async () => {
    let id = await service({ Condition: 'any', Delay: 0 });
    await h.setState(id, 'complete');
    assert.equal(h.live('web').length, 1);
    await h.agents();
    id = h.live('web')[0].ID;
    await h.setState(id, 'failed');
    assert.equal(h.live('web').length, 1);
    assert.equal(h.tasks('web').length, 3);
  });

  it('condition on-failure restarts failures only, and keeps a completed slot as it is', async () => {
    const id = await service({ Condition: 'on-failure', Delay: 0 });
    await h.setState(id, 'failed');
    assert.equal(h.live('web').length, 1);
    await h.agents();
    await h.setState(h.live('web')[0].ID, 'complete');
    await h.advance(10_000);
    assert.equal(h.live('web').length, 0, 'no replacement after success');
    assert.equal(h.tasks('web').length, 2);
  });

  it('condition none never restarts', async () => {
    const id = await service({ Condition: 'none' });
    await h.setState(id, 'failed');
    await h.advance(10_000);
    assert.equal(h.live('web').length, 0);
    assert.equal(h.tasks('web').length, 1);
    assert.equal(h.tasks('web')[0].DesiredState, 'shutdown');
  });

  it('rejected and orphaned tasks are restarted; a shutdown that was desired is not', async () => {
    const id = await service({ Delay: 0 });
    await h.setState(id, 'rejected');
    assert.equal(h.tasks('web').length, 2);
    await h.agents();
    await h.setState(h.live('web')[0].ID, 'orphaned');
    assert.equal(h.tasks('web').length, 3);
    await h.agents();
    await h.updateService('web', (s) => (s.Mode = { Replicated: { Replicas: 0 } }));
    await h.agents();
    assert.equal(h.live('web').length, 0);
    assert.equal(h.tasks('web').length, 3, 'scaled to 0: no restart of the stopped task');
  });

  it('MaxAttempts counts restarts within Window', async () => {
    let id = await service({ Condition: 'any', Delay: 0, MaxAttempts: 2, Window: 60 * SEC });
    for (let i = 0; i < 2; i++) {
      await h.setState(id, 'failed');
      await h.agents();
      id = h.live('web')[0].ID;
      await h.advance(1000);
    }
    assert.equal(h.tasks('web').length, 3, 'two restarts');
    await h.setState(id, 'failed');
    assert.equal(h.live('web').length, 0, 'the third failure within the window is final');
    assert.equal(h.tasks('web').length, 3);
  });

  it('MaxAttempts: attempts older than Window no longer count', async () => {
    let id = await service({ Condition: 'any', Delay: 0, MaxAttempts: 1, Window: 10 * SEC });
    await h.setState(id, 'failed');
    await h.agents();
    id = h.live('web')[0].ID;
    await h.advance(11_000);
    await h.setState(id, 'failed');
    assert.equal(h.live('web').length, 1, 'the first attempt left the window');
  });

  it('restarts the tasks of a node that goes down, without waiting for them to stop', async () => {
    const id = await service({ Delay: 0 });
    await h.editNode('n1', (n) => (n.Status.State = 'down'));
    assert.equal(h.tasks('web').find((t) => t.ID === id)!.DesiredState, 'shutdown');
    const [next] = h.live('web');
    assert.equal(next.DesiredState, 'running');
  });

  it('a delayed start survives a restart of the orchestrator', async () => {
    const id = await service({ Delay: 5 * SEC });
    await h.setState(id, 'failed');
    await h.advance(2000);
    await h.restart();
    assert.equal(h.live('web')[0].DesiredState, 'ready');
    await h.advance(3000);
    assert.equal(h.live('web')[0].DesiredState, 'running');
  });

  it('a delayed start adopted by a new orchestrator does not wait for a task on a down node', async () => {
    const id = await service({ Delay: 5 * SEC });
    await h.editNode('n1', (n) => (n.Status.State = 'down'));
    assert.equal(h.tasks('web').find((t) => t.ID === id)!.Status.State, 'running', 'its node never says it stopped');
    await h.restart();
    await h.advance(5000);
    assert.equal(h.live('web')[0].DesiredState, 'running');
  });
});
