import { strict as assert } from 'node:assert';
import { applyPlan, ASSIGNED_MESSAGE, NodeSet, schedule } from '../../../manager/scheduler';
import { MemoryStore } from '../../../src/store';
import { node, task, tasks } from './fixtures';
import { allTasks, editNode, editTask, put } from './store-fixtures';

const fixedNow = () => Date.parse('2024-01-02T03:04:05.000Z');

async function decide(store: MemoryStore) {
  const { nodes, ts } = store.view((tx) => ({ nodes: tx.find('node'), ts: tx.find('task') }));
  return schedule(ts, NodeSet.build(nodes, ts));
}

describe('scheduler: applyPlan()', () => {
  it('writes NodeID and the assigned status', async () => {
    const store = new MemoryStore();
    await put(store, [node('n1')], [task('t1')]);
    const out = await applyPlan(store, await decide(store), { now: fixedNow });
    assert.equal(out.applied.length, 1);
    const [t] = allTasks(store);
    assert.equal(t!.NodeID, 'n1');
    assert.deepEqual(t!.Status, {
      State: 'assigned',
      Timestamp: '2024-01-02T03:04:05.000Z',
      Message: ASSIGNED_MESSAGE,
    });
  });

  it('skips a task that changed since the decision, and one whose node changed', async () => {
    const store = new MemoryStore();
    await put(store, [node('n1'), node('n2')], [task('t1'), task('t2')]);
    const plan = await decide(store);
    const byTask = Object.fromEntries(plan.assignments.map((a) => [a.taskId, a.nodeId]));
    await editTask(store, 't1', (t) => (t.Labels = { touched: 'yes' }));
    await editNode(store, byTask['t2']!, (n) => (n.Spec.Availability = 'drain'));
    const out = await applyPlan(store, plan);
    assert.equal(out.applied.length, 0);
    assert.deepEqual(out.notApplied.map((a) => a.taskId).sort(), ['t1', 't2']);
    assert.ok(allTasks(store).every((t) => !t.NodeID && t.Status.State === 'pending'));
  });

  it('writes the pending reason once, not again when unchanged', async () => {
    const store = new MemoryStore();
    await put(store, [node('n1', { state: 'down' })], [task('t1')]);
    const out = await applyPlan(store, await decide(store));
    assert.equal(out.pendingWritten, 1);
    const [t] = allTasks(store);
    assert.equal(t!.Status.State, 'pending');
    assert.equal(t!.Status.Err, 'no suitable node (1 node not available for new tasks)');
    const again = await applyPlan(store, await decide(store));
    assert.equal(again.pendingWritten, 0);
    assert.equal(allTasks(store)[0]!.Version.Index, t!.Version.Index);
  });

  it('splits a plan into batches', async () => {
    const store = new MemoryStore();
    await put(store, [node('n1'), node('n2')], tasks(25));
    const before = store.index;
    const out = await applyPlan(store, await decide(store), { batchSize: 10 });
    assert.equal(out.applied.length, 25);
    assert.equal(store.index - before, 3);
  });
});
