import { strict as assert } from 'node:assert';
import { Harness } from './harness';

describe('orchestrator: global', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness(['global', 'reaper']).start();
    await h.addNode('a');
    await h.addNode('b');
  });
  afterEach(() => h.stop());

  const nodesOf = () => h.live('mon').map((t) => t.NodeID);

  it('runs one task per ready node, NodeID set, no slot, Status new', async () => {
    await h.createService({ Name: 'mon', Mode: { Global: {} } });
    const tasks = h.live('mon');
    assert.deepEqual(nodesOf(), ['a', 'b']);
    for (const t of tasks) {
      assert.equal(t.Slot, undefined);
      assert.equal(t.Status.State, 'new');
      assert.equal(t.DesiredState, 'running');
    }
  });

  it('follows nodes that join, drain, pause, go down and are removed', async () => {
    await h.createService({ Name: 'mon', Mode: { Global: {} } });
    await h.agents();
    await h.addNode('c');
    assert.deepEqual(nodesOf(), ['a', 'b', 'c']);
    await h.addNode('d', { state: 'unknown' });
    assert.deepEqual(nodesOf(), ['a', 'b', 'c'], 'not ready yet');
    await h.editNode('d', (n) => (n.Status.State = 'ready'));
    assert.deepEqual(nodesOf(), ['a', 'b', 'c', 'd']);
    await h.agents();

    await h.editNode('a', (n) => (n.Spec.Availability = 'pause'));
    assert.deepEqual(nodesOf(), ['a', 'b', 'c', 'd'], 'pause keeps tasks');
    await h.editNode('b', (n) => (n.Spec.Availability = 'drain'));
    assert.deepEqual(nodesOf(), ['a', 'c', 'd']);
    await h.editNode('c', (n) => (n.Status.State = 'down'));
    assert.deepEqual(nodesOf(), ['a', 'd']);
    await h.store.update((tx) => tx.delete('node', 'd'));
    await h.settle();
    assert.deepEqual(nodesOf(), ['a']);
    await h.editNode('b', (n) => (n.Spec.Availability = 'active'));
    assert.deepEqual(nodesOf(), ['a', 'b'], 'back from drain');
  });

  it('places only on nodes meeting the constraints, and leaves nodes that stop meeting them', async () => {
    await h.addNode('m', { role: 'manager', labels: { zone: 'x' } });
    await h.createService({
      Name: 'mon',
      Mode: { Global: {} },
      TaskTemplate: {
        ContainerSpec: { Image: 'x' },
        Placement: { Constraints: ['node.labels.zone==x', 'node.role!=worker'] },
      },
    });
    assert.deepEqual(nodesOf(), ['m']);
    await h.editNode('m', (n) => (n.Spec.Labels = {}));
    assert.deepEqual(nodesOf(), []);
  });

  it('restarts a failed task on its node after the delay', async () => {
    await h.createService({
      Name: 'mon',
      Mode: { Global: {} },
      TaskTemplate: { ContainerSpec: { Image: 'x' }, RestartPolicy: { Delay: 1e9 } },
    });
    await h.agents();
    const onA = h.live('mon')[0];
    await h.setState(onA.ID, 'failed');
    const next = h.live('mon').find((t) => t.NodeID === 'a')!;
    assert.notEqual(next.ID, onA.ID);
    assert.equal(next.DesiredState, 'ready');
    await h.advance(1000);
    assert.equal(h.live('mon').find((t) => t.NodeID === 'a')!.DesiredState, 'running');
  });

  it('rolls an update node by node', async () => {
    await h.createService({ Name: 'mon', Mode: { Global: {} }, UpdateConfig: { Parallelism: 1, Monitor: 1e9 } });
    await h.agents();
    await h.updateService('mon', (s) => (s.TaskTemplate.ContainerSpec!.Image = 'v2'));
    assert.equal(h.live('mon').filter((t) => t.Spec.ContainerSpec!.Image === 'v2').length, 1);
    for (let i = 0; i < 4; i++) await h.agents();
    assert.ok(h.live('mon').every((t) => t.Spec.ContainerSpec!.Image === 'v2'));
    assert.deepEqual(nodesOf(), ['a', 'b']);
    await h.advance(1000);
    assert.equal(h.service('mon').UpdateStatus!.State, 'completed');
  });
});
