import assert from 'node:assert/strict';
import { needsAllocation, PENDING_MESSAGE, TaskAllocator } from '../../../manager/allocator';
import { MemoryStore } from '../../../src/store';
import { addTask, editTask, testAllocator } from './fixtures';

describe('TaskAllocator', () => {
  let store: MemoryStore;
  let a: TaskAllocator;
  const state = (id: string) => store.view((tx) => tx.get('task', id)!.Status);

  beforeEach(() => {
    store = new MemoryStore();
    a = testAllocator(store);
  });

  afterEach(async () => {
    await a.stop();
    store.close();
  });

  it('moves new tasks, found at start and created later, to pending', async () => {
    await addTask(store, 'old', undefined, { Status: { State: 'new', Message: 'created' } });
    a.start();
    await a.settled();
    assert.deepEqual(state('old'), {
      State: 'pending',
      Message: PENDING_MESSAGE,
      Timestamp: '2026-12-01T00:00:00.000Z',
    });
    await addTask(store, 'g', 'n1', { Status: { State: 'new' }, DesiredState: 'ready' });
    await a.settled();
    assert.equal(state('g').State, 'pending', 'a preassigned (global) task and a delayed restart too');
  });

  it('leaves tasks no longer wanted and tasks past new alone', async () => {
    a.start();
    await addTask(store, 'x', undefined, { Status: { State: 'new' }, DesiredState: 'shutdown' });
    await addTask(store, 'y', 'n1', { Status: { State: 'running' } });
    await a.settled();
    assert.equal(state('x').State, 'new');
    assert.equal(state('y').State, 'running');
    assert.equal(needsAllocation({ Status: { State: 'new' }, DesiredState: 'remove' } as never), false);
    await editTask(store, 'y', (t) => (t.Status = { State: 'running', Message: 'again' }));
    await a.settled();
    assert.equal(state('y').Message, 'again');
  });

  it('writes large sets in several batches', async () => {
    await store.update((tx) => {
      for (let i = 0; i < 1200; i++)
        tx.create('task', {
          ID: `t${i}`,
          ServiceID: 's',
          Slot: i + 1,
          Spec: {},
          Status: { State: 'new' },
          DesiredState: 'running',
        });
    });
    const before = store.index;
    a.start();
    await a.settled();
    assert.equal(
      store.view((tx) => tx.find('task', { where: (t) => t.Status.State === 'pending' }).length),
      1200,
    );
    assert.equal(store.index - before, 3);
  });
});
