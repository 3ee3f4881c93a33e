import assert from 'node:assert/strict';
import type { AssignmentsMessage } from '../../../src/rpc';
import type { MemoryStore } from '../../../src/store';
import { startDispatcherHarness, type DispatcherHarness } from './dispatcher-harness';
import { addService, addTask, editTask, until } from './fixtures';

describe('Dispatcher: assignments and task status on the session', () => {
  let h: DispatcherHarness;
  let store: MemoryStore;

  beforeEach(async () => {
    h = await startDispatcherHarness({ seed: (s) => addService(s, 'web') });
    ({ store } = h);
  });

  afterEach(() => h.close());

  const connect = (node: string) => h.connect(node);

  const taskIds = (m: AssignmentsMessage | undefined) =>
    (m?.changes ?? []).flatMap((c) => (c.assignment.kind === 'task' ? [c.assignment.task.ID] : []));

  it('after the session message, the node gets its full set, and a new one when it changes', async () => {
    await addTask(store, 'a', 'n1');
    await addTask(store, 'b', 'n2', { Slot: 2 });
    const p = await connect('n1');
    await until(() => p.assignments().length === 1, 2000, 'first set');
    const types = p.got.map((m) => m.type);
    assert.ok(types.indexOf('session') < types.indexOf('assignments'), 'session first');
    assert.deepEqual(taskIds(p.assignments()[0]), ['a']);
    await editTask(store, 'a', (t) => (t.DesiredState = 'shutdown'));
    await until(() => p.assignments().length === 2, 2000, 'second set');
  });

  it("writes the node's task-status reports, and only for its own tasks", async () => {
    await addTask(store, 'a', 'n1');
    await addTask(store, 'b', 'n2', { Slot: 2 });
    const p = await connect('n1');
    p.send({
      type: 'task-status',
      updates: [
        {
          taskId: 'a',
          status: { State: 'running', Message: 'started', ContainerStatus: { ContainerID: 'c1', PID: 7 } },
        },
        { taskId: 'b', status: { State: 'running' } },
      ],
    });
    const get = (id: string) => store.view((tx) => tx.get('task', id))!;
    await until(() => get('a').Status.State === 'running', 2000, 'a running');
    assert.deepEqual(get('a').Status.ContainerStatus, { ContainerID: 'c1', PID: 7 });
    assert.equal(get('b').Status.State, 'assigned', "n1 cannot write n2's task");
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(p.assignments().length, 1, 'its own report does not come back as a new set');
  });

  it('a closed session stops its assignments', async () => {
    const p = await connect('n1');
    await until(() => p.assignments().length === 1);
    p.ws.close();
    await new Promise((r) => p.ws.once('close', r));
    await addTask(store, 'a', 'n1');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(p.assignments().length, 1);
  });
});
