import { strict as assert } from 'node:assert';
import { Harness } from './harness';

describe('orchestrator: task reaper', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness(['replicated', 'reaper']).start();
    await h.addNode('n1');
  });
  afterEach(() => h.stop());

  async function failTimes(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await h.setState(h.live('web')[0].ID, 'failed');
      await h.advance(1);
      await h.agents();
      h.clock.advance(1000);
    }
  }

  it('keeps 5 tasks per slot by default, deleting the oldest stopped ones', async () => {
    await h.createService({
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'x' }, RestartPolicy: { Delay: 0 } },
    });
    await h.agents();
    const first = h.live('web')[0].ID;
    await failTimes(8);
    const tasks = h.tasks('web');
    assert.equal(tasks.length, 5);
    assert.ok(!tasks.some((t) => t.ID === first), 'the oldest went first');
    assert.equal(h.live('web').length, 1, 'the live task is never reaped');
  });

  it('follows the cluster TaskHistoryRetentionLimit', async () => {
    await h.store.update((tx) =>
      tx.create('cluster', { ID: 'c', Spec: { Name: 'default', Orchestration: { TaskHistoryRetentionLimit: 2 } } }),
    );
    await h.createService({
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'x' }, RestartPolicy: { Delay: 0 } },
    });
    await h.agents();
    await failTimes(4);
    assert.equal(h.tasks('web').length, 2);
  });

  it('keeps MaxAttempts + 1 when that is more', async () => {
    await h.createService({
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: 'x' }, RestartPolicy: { Delay: 0, MaxAttempts: 6 } },
    });
    await h.agents();
    await failTimes(6);
    assert.equal(h.tasks('web').length, 7);
  });

  it('removes the tasks of a deleted service once they stopped', async () => {
    await h.createService({ Name: 'web', Mode: { Replicated: { Replicas: 2 } } });
    await h.agents();
    await h.store.update((tx) => tx.delete('service', 'web'));
    await h.settle();
    assert.equal(h.tasks('web').length, 2, 'still running');
    await h.agents();
    assert.equal(h.tasks('web').length, 0);
  });
});
