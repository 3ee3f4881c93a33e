import assert from 'node:assert/strict';
import { AssignmentStream } from '../../../manager/dispatcher/assignment-stream';
import type { AssignmentsMessage } from '../../../src/rpc';
import { MemoryStore } from '../../../src/store';
import { addService, addTask, editTask, quiet, turn, until } from './fixtures';

const taskIds = (m: AssignmentsMessage | undefined) =>
  (m?.changes ?? []).flatMap((c) => (c.assignment.kind === 'task' ? [c.assignment.task.ID] : []));

describe('AssignmentStream', () => {
  let store: MemoryStore;
  let sent: AssignmentsMessage[];
  let stream: AssignmentStream;

  beforeEach(async () => {
    store = new MemoryStore();
    sent = [];
    await addService(store, 'web');
    stream = new AssignmentStream({ store, nodeId: 'n1', send: (m) => sent.push(m), logger: quiet });
  });

  afterEach(() => {
    stream.stop();
    store.close();
  });

  it('sends the full set at start, even an empty one', async () => {
    stream.start();
    stream.start();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0], { type: 'assignments', full: true, changes: [] });
  });

  it('sends a new full set when the node gets, changes or loses a task; not for others or for status reports, a stop included', async () => {
    await addTask(store, 'a', 'n1');
    stream.start();
    assert.deepEqual(taskIds(sent[0]), ['a']);
    await addTask(store, 'b', 'n1', { Slot: 2 });
    await until(() => sent.length === 2);
    assert.deepEqual(taskIds(sent[1]), ['a', 'b']);
    assert.equal(sent[1]!.full, true);

    await addTask(store, 'x', 'n2', { Slot: 3 });
    await editTask(store, 'a', (t) => (t.Status = { State: 'running', Message: 'started' }));
    await turn(10);
    assert.equal(sent.length, 2, "another node's task and our own status report send nothing");

    await editTask(store, 'a', (t) => (t.DesiredState = 'shutdown'));
    await until(() => sent.length === 3);
    const a = sent[2]!.changes.find((c) => c.assignment.kind === 'task' && c.assignment.task.ID === 'a');
    assert.equal(a?.assignment.kind === 'task' && a.assignment.task.DesiredState, 'shutdown');

    await editTask(store, 'a', (t) => (t.Status = { State: 'shutdown' }));
    await turn(10);
    assert.equal(sent.length, 3, 'a stopped task stays in the set until it is deleted');
    await store.update((tx) => tx.delete('task', 'a'));
    await until(() => sent.length === 4);
    assert.deepEqual(taskIds(sent[3]), ['b'], 'the deleted task leaves the set');

    // A task moved away from the node (the old object was ours).
    await editTask(store, 'b', (t) => (t.NodeID = 'n2'));
    await until(() => sent.length === 5);
    assert.deepEqual(taskIds(sent[4]), []);
  });

  it('commits queued together fold into one message', async () => {
    stream.start();
    await Promise.all([
      addTask(store, 'a', 'n1'),
      addTask(store, 'b', 'n1', { Slot: 2 }),
      addTask(store, 'c', 'n1', { Slot: 3 }),
    ]);
    await turn(10);
    assert.equal(sent.length, 2);
    assert.deepEqual(taskIds(sent[1]), ['a', 'b', 'c']);
  });

  it('a secret a task uses is sent along, and again when it changes', async () => {
    await store.update((tx) => tx.create('secret', { ID: 's1', Spec: { Name: 'pw', Data: 'YQ==' } }));
    await addTask(store, 'a', 'n1', {
      Spec: { ContainerSpec: { Image: 'busybox', Secrets: [{ SecretID: 's1', SecretName: 'pw' }] } },
    });
    stream.start();
    const secretOf = (m: AssignmentsMessage) =>
      m.changes.flatMap((c) => (c.assignment.kind === 'secret' ? [c.assignment.secret.Spec.Data] : []));
    assert.deepEqual(secretOf(sent[0]!), ['YQ==']);
    await store.update((tx) => {
      const s = structuredClone(tx.get('secret', 's1')!);
      s.Spec.Labels = { x: 'y' };
      tx.update('secret', s);
    });
    await until(() => sent.length === 2);
    await store.update((tx) => tx.create('secret', { ID: 's2', Spec: { Name: 'unused', Data: 'Yg==' } }));
    await turn(10);
    assert.equal(sent.length, 2, 'a secret no task uses is no news');
  });

  it('registry auth and annotations come from the service; a service label change is resent', async () => {
    await store.update((tx) => {
      const s = structuredClone(tx.get('service', 'web')!);
      (s.Spec.TaskTemplate.ContainerSpec as { PullOptions?: object }).PullOptions = { RegistryAuth: 'QVVUSA==' };
      tx.update('service', s);
    });
    await addTask(store, 'a', 'n1');
    stream.start();
    const t = sent[0]!.changes[0]!.assignment;
    assert.equal(t.kind, 'task');
    if (t.kind !== 'task') return;
    assert.equal(t.task.Spec.ContainerSpec?.PullOptions?.RegistryAuth, 'QVVUSA==');
    assert.deepEqual(t.task.ServiceAnnotations, { Name: 'web', Labels: {} });
    await store.update((tx) => {
      const s = structuredClone(tx.get('service', 'web')!);
      s.Spec.Labels = { v: '2' };
      tx.update('service', s);
    });
    await until(() => sent.length === 2);
  });

  it('sends nothing after stop', async () => {
    stream.start();
    stream.stop();
    stream.stop();
    await addTask(store, 'a', 'n1');
    await turn(10);
    assert.equal(sent.length, 1);
  });

  it('resyncs after a watch overflow', async () => {
    const small = new MemoryStore({ watchQueueLimit: 3 });
    const got: AssignmentsMessage[] = [];
    const s = new AssignmentStream({ store: small, nodeId: 'n1', send: (m) => got.push(m), logger: quiet });
    s.start();
    try {
      // One batch bigger than the queue: the watcher overflows and starts over from a view.
      await small.update((tx) => {
        for (let i = 0; i < 5; i++)
          tx.create('task', {
            ID: `t${i}`,
            ServiceID: 'web',
            Slot: i + 1,
            NodeID: 'n1',
            Spec: { ContainerSpec: { Image: 'busybox' } },
            Status: { State: 'assigned' },
            DesiredState: 'running',
          });
      });
      await until(() => taskIds(got.at(-1)).length === 5, 2000, 'the resynced set');
    } finally {
      s.stop();
      small.close();
    }
  });
});
