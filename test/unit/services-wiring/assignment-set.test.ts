import assert from 'node:assert/strict';
import type { TaskObject } from '../../../src/api';
import {
  assignmentSet,
  assignmentSetKey,
  fullAssignmentChanges,
  isAgentTask,
  toTaskAssignment,
} from '../../../manager/dispatcher/assignment-set';
import { MemoryStore } from '../../../src/store';
import { addService, addTask, editTask } from './fixtures';

const AUTH = Buffer.from(JSON.stringify({ username: 'u', password: 'p' })).toString('base64');

function task(state: TaskObject['Status']['State'], desired: TaskObject['DesiredState']): TaskObject {
  return { Status: { State: state }, DesiredState: desired } as TaskObject;
}

describe('assignment set', () => {
  it('isAgentTask: from assigned until the task is deleted, stopped or not', () => {
    assert.equal(isAgentTask(task('pending', 'running')), false, 'not yet scheduled');
    assert.equal(isAgentTask(task('new', 'running')), false);
    assert.equal(isAgentTask(task('assigned', 'running')), true);
    assert.equal(isAgentTask(task('assigned', 'ready')), true, 'a delayed restart is prepared');
    assert.equal(isAgentTask(task('running', 'running')), true);
    assert.equal(isAgentTask(task('running', 'shutdown')), true, 'the agent must hear it should stop');
    assert.equal(isAgentTask(task('running', 'remove')), true);
    assert.equal(isAgentTask(task('shutdown', 'shutdown')), true, 'in the history: its container stays');
    assert.equal(isAgentTask(task('failed', 'shutdown')), true, 'its logs stay readable');
    assert.equal(isAgentTask(task('complete', 'complete')), true, "a job's finished task");
    assert.equal(isAgentTask(task('rejected', 'shutdown')), true);
  });

  it('toTaskAssignment fills ServiceAnnotations, Endpoint and the registry auth from the service', () => {
    const svc = {
      ID: 'web',
      Version: { Index: 3 },
      CreatedAt: '',
      UpdatedAt: '',
      Spec: {
        Name: 'web',
        Labels: { tier: 'front' },
        TaskTemplate: { ContainerSpec: { Image: 'busybox', PullOptions: { RegistryAuth: AUTH } } as object },
      },
      Endpoint: {
        Spec: { Mode: 'vip' as const },
        Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' as const }],
      },
    };
    const t = {
      ID: 't1',
      Version: { Index: 4 },
      CreatedAt: '',
      UpdatedAt: '',
      ServiceID: 'web',
      Spec: { ContainerSpec: { Image: 'busybox' } },
      Status: { State: 'assigned' as const },
      DesiredState: 'running' as const,
    };
    const a = toTaskAssignment(t, svc as never);
    assert.deepEqual(a.ServiceAnnotations, { Name: 'web', Labels: { tier: 'front' } });
    assert.deepEqual(a.Endpoint, svc.Endpoint);
    assert.equal(a.Spec.ContainerSpec?.PullOptions?.RegistryAuth, AUTH);
    assert.equal(
      (t.Spec.ContainerSpec as { PullOptions?: unknown }).PullOptions,
      undefined,
      'the input is not changed',
    );
    // The task's own spec (the one it was made from) wins over a later service spec.
    const own = { ...t, Spec: { ContainerSpec: { Image: 'busybox', PullOptions: { RegistryAuth: 'own' } } } };
    assert.equal(toTaskAssignment(own as never, svc as never).Spec.ContainerSpec?.PullOptions?.RegistryAuth, 'own');
    // A deleted service: the task keeps its own annotations.
    const orphan = toTaskAssignment({ ...t, ServiceAnnotations: { Name: 'old' } }, undefined);
    assert.deepEqual(orphan.ServiceAnnotations, { Name: 'old' });
    assert.equal(orphan.Spec.ContainerSpec?.PullOptions, undefined);
  });

  it('a node gets its tasks only, with the secrets and configs they reference (Data included)', async () => {
    const store = new MemoryStore();
    await store.update((tx) => {
      tx.create('secret', { ID: 's1', Spec: { Name: 'pw', Data: Buffer.from('hunter2').toString('base64') } });
      tx.create('secret', { ID: 's2', Spec: { Name: 'other', Data: 'eA==' } });
      tx.create('secret', { ID: 's3', Spec: { Name: 'old', Data: 'eg==' } });
      tx.create('config', { ID: 'c1', Spec: { Name: 'conf', Data: 'eQ==' } });
    });
    await addService(store, 'web', { Labels: { a: 'b' } });
    const spec = {
      ContainerSpec: {
        Image: 'busybox',
        Secrets: [
          { SecretID: 's1', SecretName: 'pw', File: { Name: 'pw' } },
          { SecretID: 'gone', SecretName: 'x' },
        ],
        Configs: [{ ConfigID: 'c1', ConfigName: 'conf', File: { Name: '/conf' } }],
      },
    };
    await addTask(store, 'b', 'n1', { Spec: spec, Slot: 2 });
    await addTask(store, 'a', 'n1');
    await addTask(store, 'c', 'n2', {
      Spec: { ContainerSpec: { Image: 'x', Secrets: [{ SecretID: 's2', SecretName: 'other' }] } },
    });
    await addTask(store, 'd', undefined, { Status: { State: 'pending' } });
    // Stopped: it stays for its container and logs, but its secret is no longer sent.
    await addTask(store, 'e', 'n1', {
      Status: { State: 'failed' },
      DesiredState: 'shutdown',
      Spec: { ContainerSpec: { Image: 'x', Secrets: [{ SecretID: 's3', SecretName: 'old' }] } },
    });
    const set = store.view((tx) => assignmentSet(tx, 'n1'));
    assert.deepEqual(
      set.tasks.map((t) => t.ID),
      ['a', 'b', 'e'],
    );
    assert.deepEqual(set.tasks[0]!.ServiceAnnotations, { Name: 'web', Labels: { a: 'b' } });
    assert.deepEqual(
      set.secrets.map((s) => [s.ID, s.Spec.Data]),
      [['s1', Buffer.from('hunter2').toString('base64')]],
    );
    assert.deepEqual(
      set.configs.map((c) => c.ID),
      ['c1'],
    );
    const changes = fullAssignmentChanges(set);
    assert.deepEqual(
      changes.map((c) => [c.action, c.assignment.kind]),
      [
        ['update', 'secret'],
        ['update', 'config'],
        ['update', 'task'],
        ['update', 'task'],
        ['update', 'task'],
      ],
    );
    assert.deepEqual(JSON.parse(JSON.stringify(changes)), changes, 'plain JSON');
    assert.deepEqual(
      store.view((tx) => assignmentSet(tx, 'n3')),
      { tasks: [], secrets: [], configs: [], networks: [] },
    );
  });

  it('the key ignores the status the agent reported but not what the managers changed', async () => {
    const store = new MemoryStore();
    await addService(store, 'web');
    await addTask(store, 'a', 'n1');
    const key = () => assignmentSetKey(store.view((tx) => assignmentSet(tx, 'n1')));
    const k0 = key();
    await editTask(
      store,
      'a',
      (t) => (t.Status = { State: 'running', Message: 'started', ContainerStatus: { PID: 4 } }),
    );
    assert.equal(key(), k0, 'a status report changes nothing the agent does not know');
    await editTask(store, 'a', (t) => (t.DesiredState = 'shutdown'));
    const k1 = key();
    assert.notEqual(k1, k0, 'a desired state change is news');
    await editTask(store, 'a', (t) => (t.Status = { State: 'shutdown' }));
    assert.equal(key(), k1, "the stopped task stays, and its stop was the agent's report");
    await store.update((tx) => tx.delete('task', 'a'));
    assert.notEqual(key(), k1, 'the deleted task left the set');
  });

  it('a task that stopped releases its secrets; the task stays', async () => {
    const store = new MemoryStore();
    await store.update((tx) => {
      tx.create('secret', { ID: 's1', Spec: { Name: 'pw', Data: 'eA==' } });
    });
    await addService(store, 'web');
    await addTask(store, 'a', 'n1', {
      Status: { State: 'running' },
      Spec: { ContainerSpec: { Image: 'x', Secrets: [{ SecretID: 's1', SecretName: 'pw' }] } },
    });
    const set = () => store.view((tx) => assignmentSet(tx, 'n1'));
    assert.deepEqual(
      set().secrets.map((x) => x.ID),
      ['s1'],
    );
    const k0 = assignmentSetKey(set());
    await editTask(store, 'a', (t) => (t.Status = { State: 'complete' }));
    assert.deepEqual(
      set().tasks.map((t) => t.ID),
      ['a'],
    );
    assert.deepEqual(set().secrets, []);
    assert.notEqual(assignmentSetKey(set()), k0, 'the agent hears the secret is gone');
  });
});
