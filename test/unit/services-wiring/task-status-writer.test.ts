import assert from 'node:assert/strict';
import { cleanStatus, TaskStatusWriter } from '../../../manager/dispatcher/task-status-writer';
import { MemoryStore, SequenceConflictError } from '../../../src/store';
import { addTask, quiet } from './fixtures';

describe('TaskStatusWriter', () => {
  let store: MemoryStore;
  let writer: TaskStatusWriter;
  const stored = (id: string) => store.view((tx) => tx.get('task', id))!;

  beforeEach(async () => {
    store = new MemoryStore();
    writer = new TaskStatusWriter({ store, logger: quiet });
    await addTask(store, 'a', 'n1');
    await addTask(store, 'b', 'n1', { Slot: 2 });
    await addTask(store, 'c', 'n2', { Slot: 3 });
  });

  afterEach(() => store.close());

  it('writes a batch in one store update, keeping every status field', async () => {
    const before = store.index;
    const running = {
      State: 'running' as const,
      Message: 'started',
      Timestamp: '2026-12-01T00:00:01Z',
      ContainerStatus: { ContainerID: 'abc', PID: 42 },
      PortStatus: {
        Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' as const, Protocol: 'tcp' as const }],
      },
    };
    const failed = {
      State: 'failed' as const,
      Message: 'started',
      Err: 'task: non-zero exit (3)',
      ContainerStatus: { ContainerID: 'def', PID: 0, ExitCode: 3 },
    };
    const out = await writer.apply('n1', [
      { taskId: 'a', status: running },
      { taskId: 'b', status: failed },
    ]);
    assert.deepEqual(out.written, ['a', 'b']);
    assert.equal(store.index, before + 1, 'one batch');
    assert.deepEqual(stored('a').Status, running);
    assert.deepEqual(stored('b').Status, failed);
    assert.equal(stored('a').DesiredState, 'running', 'only Status changes');
  });

  it('drops reports for tasks of other nodes, unknown tasks, bad statuses, and backward moves', async () => {
    await writer.apply('n1', [{ taskId: 'a', status: { State: 'running' } }]);
    const out = await writer.apply('n1', [
      { taskId: 'a', status: { State: 'starting' } },
      { taskId: 'c', status: { State: 'running' } },
      { taskId: 'zz', status: { State: 'running' } },
      { taskId: 'b', status: { State: 'bogus' } as never },
    ]);
    assert.deepEqual(out.written, []);
    assert.deepEqual(out.dropped.map((d) => [d.taskId, d.reason]).sort(), [
      ['a', 'backwards'],
      ['b', 'invalid'],
      ['c', 'not this node'],
      ['zz', 'unknown task'],
    ]);
    assert.equal(stored('a').Status.State, 'running');
    assert.equal(stored('c').Status.State, 'assigned');
  });

  it('the same status again writes nothing; the last report of a task in a batch counts', async () => {
    await writer.apply('n1', [{ taskId: 'a', status: { State: 'running', Message: 'started' } }]);
    const idx = store.index;
    const again = await writer.apply('n1', [{ taskId: 'a', status: { State: 'running', Message: 'started' } }]);
    assert.deepEqual(again.unchanged, ['a']);
    assert.equal(store.index, idx, 'no batch proposed');
    await writer.apply('n1', [
      { taskId: 'b', status: { State: 'preparing' } },
      { taskId: 'b', status: { State: 'running' } },
    ]);
    assert.equal(stored('b').Status.State, 'running');
  });

  it('keeps only TaskStatus fields', () => {
    assert.deepEqual(cleanStatus({ State: 'running', Message: 'm', Err: '', junk: 1, Timestamp: 't' }), {
      State: 'running',
      Message: 'm',
      Timestamp: 't',
    });
    assert.equal(cleanStatus(null), undefined);
    assert.equal(cleanStatus({ State: 7 }), undefined);
  });

  it('a batch that loses a race is recomputed and tried again', async () => {
    const real = store.update.bind(store);
    let calls = 0;
    store.update = (async (fn: never) => {
      calls++;
      if (calls === 1) {
        // Another writer moves the task on first, after this batch's callback ran.
        await real(fn);
        throw new SequenceConflictError('task', 'a', 1, 2);
      }
      return real(fn);
    }) as never;
    const out = await writer.apply('n1', [{ taskId: 'a', status: { State: 'running' } }]);
    assert.equal(calls, 2);
    assert.deepEqual(out.unchanged, ['a'], 'the retry sees the write that won');
  });

  it("applies one node's batches in order", async () => {
    const p1 = writer.apply('n1', [{ taskId: 'a', status: { State: 'starting' } }]);
    const p2 = writer.apply('n1', [{ taskId: 'a', status: { State: 'running' } }]);
    await Promise.all([p1, p2]);
    assert.equal(stored('a').Status.State, 'running');
  });

  it('batches that come while one is written go out together in the next update', async () => {
    const real = store.update.bind(store);
    let calls = 0;
    store.update = ((fn: never) => {
      calls++;
      return real(fn);
    }) as never;
    const p1 = writer.apply('n1', [{ taskId: 'a', status: { State: 'starting' } }]);
    const p2 = writer.apply('n1', [{ taskId: 'a', status: { State: 'running' } }]);
    const p3 = writer.apply('n1', [{ taskId: 'b', status: { State: 'running' } }]);
    const [o1, o2, o3] = await Promise.all([p1, p2, p3]);
    assert.equal(calls, 2);
    assert.deepEqual(o1.written, ['a']);
    assert.deepEqual(o2, o3);
    assert.deepEqual([...o2.written].sort(), ['a', 'b']);
    assert.equal(stored('a').Status.State, 'running');
    assert.equal(stored('b').Status.State, 'running');
    await writer.apply('n1', [{ taskId: 'a', status: { State: 'complete' } }]);
    assert.equal(calls, 3);
    assert.equal(stored('a').Status.State, 'complete');
  });

  it('gives up after maxAttempts conflicts', async () => {
    const w = new TaskStatusWriter({ store, logger: quiet, maxAttempts: 2 });
    let calls = 0;
    store.update = (async () => {
      calls++;
      throw new SequenceConflictError('task', 'a', 1, 2);
    }) as never;
    await assert.rejects(w.apply('n1', [{ taskId: 'a', status: { State: 'running' } }]), SequenceConflictError);
    assert.equal(calls, 2);
  });
});
