import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ConfigObject, SecretObject } from '../../../src/api';
import type {
  AssignmentsMessage,
  NetworkView,
  TaskAssignment,
  TaskStatusMessage,
  TaskStatusReport,
} from '../../../src/rpc';
import { TaskSession, type SessionTasks } from '../../../worker/agent/task-session';
import { TaskManager, type TaskContainers } from '../../../worker/agent/tasks';
import { FakeContainers } from '../../support/fake-containers';
import { quiet, until } from './fixtures';

// The real TaskManager fits the bridge (a compile-time check).
const _fits: (m: TaskManager) => SessionTasks = (m) => m;
void _fits;

/** A TaskManager stand-in: records the sets, lets the test emit status batches. */
class FakeTasks implements SessionTasks {
  sets: Array<{ tasks: string[]; secrets: string[]; configs: string[] }> = [];
  current: TaskStatusReport[] = [];
  listener: ((u: TaskStatusReport[]) => void) | undefined;
  throwOnSet = false;
  setAssignments(tasks: readonly TaskAssignment[], secrets: readonly SecretObject[], configs: readonly ConfigObject[]) {
    if (this.throwOnSet) throw new Error('not started');
    this.sets.push({
      tasks: tasks.map((t) => t.ID).sort(),
      secrets: secrets.map((s) => s.ID),
      configs: configs.map((c) => c.ID),
    });
  }
  onStatus(cb: (u: TaskStatusReport[]) => void) {
    this.listener = cb;
    return () => (this.listener = undefined);
  }
  statuses() {
    return this.current;
  }
  views: Array<Array<[string, number]>> = [];
  setNetworks(views: readonly NetworkView[]) {
    this.views.push(views.map((v) => [v.ID, v.Version]));
  }
}

function netView(id: string, version: number): NetworkView {
  return {
    ID: id,
    Name: id,
    VNI: 4097,
    Subnet: '10.0.1.0/24',
    Gateway: '10.0.1.1',
    Internal: false,
    Ingress: false,
    Version: version,
    Endpoints: [],
    Services: [],
  };
}

function t(id: string, o: Partial<TaskAssignment> = {}): TaskAssignment {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: 's1',
    ServiceAnnotations: { Name: 'web' },
    Slot: 1,
    Spec: { ContainerSpec: { Image: 'busybox', Args: ['sleep', '3600'] } },
    Status: { State: 'assigned' },
    DesiredState: 'running',
    ...o,
  };
}

const full = (...tasks: TaskAssignment[]): AssignmentsMessage => ({
  type: 'assignments',
  full: true,
  changes: tasks.map((task) => ({ action: 'update', assignment: { kind: 'task', task } })),
});

describe('TaskSession (agent side)', () => {
  let tasks: FakeTasks;
  let sent: TaskStatusMessage[];
  let s: TaskSession;

  beforeEach(() => {
    tasks = new FakeTasks();
    sent = [];
    s = new TaskSession({ tasks, send: (m) => sent.push(m), logger: quiet });
    s.start();
  });

  afterEach(() => s.stop());

  it('feeds full sets into setAssignments, secrets and configs included', () => {
    const secret = {
      ID: 'sec',
      Version: { Index: 1 },
      CreatedAt: '',
      UpdatedAt: '',
      Spec: { Name: 'pw', Data: 'YQ==' },
    };
    const config = {
      ID: 'cfg',
      Version: { Index: 1 },
      CreatedAt: '',
      UpdatedAt: '',
      Spec: { Name: 'c', Data: 'Yg==' },
    };
    assert.equal(
      s.onMessage({
        type: 'assignments',
        full: true,
        changes: [
          { action: 'update', assignment: { kind: 'secret', secret } },
          { action: 'update', assignment: { kind: 'config', config } },
          { action: 'update', assignment: { kind: 'task', task: t('a') } },
        ],
      } as AssignmentsMessage),
      true,
    );
    assert.deepEqual(tasks.sets[0], { tasks: ['a'], secrets: ['sec'], configs: ['cfg'] });
    s.onMessage(full(t('b')));
    assert.deepEqual(tasks.sets[1], { tasks: ['b'], secrets: [], configs: [] }, 'a full set replaces the last');
    s.onMessage(full());
    assert.deepEqual(tasks.sets[2]!.tasks, [], 'an empty set is a set too');
  });

  it('applies incremental changes over the last set', () => {
    s.onMessage(full(t('a'), t('b')));
    s.onMessage({
      type: 'assignments',
      full: false,
      changes: [
        { action: 'remove', assignment: { kind: 'task', task: t('a') } },
        { action: 'update', assignment: { kind: 'task', task: t('c') } },
      ],
    } as AssignmentsMessage);
    assert.deepEqual(tasks.sets[1]!.tasks, ['b', 'c']);
  });

  it('leaves other messages alone, and survives a task manager that refuses', () => {
    assert.equal(s.onMessage({ type: 'heartbeat-ack' }), false);
    tasks.throwOnSet = true;
    assert.equal(s.onMessage(full(t('a'))), true);
  });

  it('sends status batches only while a session is up; a new session hears every status first', () => {
    tasks.listener!([{ taskId: 'a', status: { State: 'preparing' } }]);
    assert.equal(sent.length, 0, 'no session yet');
    tasks.current = [{ taskId: 'a', status: { State: 'running' } }];
    s.connected();
    assert.deepEqual(sent, [{ type: 'task-status', updates: [{ taskId: 'a', status: { State: 'running' } }] }]);
    tasks.listener!([{ taskId: 'b', status: { State: 'starting' } }]);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1]!.updates, [{ taskId: 'b', status: { State: 'starting' } }]);
    s.disconnected();
    tasks.listener!([{ taskId: 'b', status: { State: 'running' } }]);
    assert.equal(sent.length, 2);
    tasks.current = [
      { taskId: 'a', status: { State: 'running' } },
      { taskId: 'b', status: { State: 'running' } },
    ];
    s.connected();
    assert.equal(sent.length, 3);
    assert.deepEqual(
      sent[2]!.updates.map((u) => u.taskId),
      ['a', 'b'],
    );
  });

  it('keeps the latest view of each network: a newer one replaces it, an older one is ignored, remove drops it', () => {
    const change = (action: 'update' | 'remove', network: NetworkView, full = false): AssignmentsMessage => ({
      type: 'assignments',
      full,
      changes: [{ action, assignment: { kind: 'network' as const, network } }],
    });
    s.onMessage(change('update', netView('n1', 5), true));
    s.onMessage(change('update', netView('n1', 7)));
    s.onMessage(change('update', netView('n1', 6)));
    s.onMessage(change('update', netView('n2', 1)));
    s.onMessage(change('remove', netView('n1', 0)));
    assert.deepEqual(tasks.views, [
      [['n1', 5]],
      [['n1', 7]],
      [['n1', 7]],
      [
        ['n1', 7],
        ['n2', 1],
      ],
      [['n2', 1]],
    ]);
    assert.deepEqual(tasks.sets.at(-1), { tasks: [], secrets: [], configs: [] });
  });

  it('stop unsubscribes', () => {
    s.connected();
    s.stop();
    assert.equal(tasks.listener, undefined);
  });
});

describe('TaskSession over a real TaskManager (in-memory containers)', () => {
  let dataRoot: string;
  let fake: FakeContainers;
  let mgr: TaskManager;
  let sent: TaskStatusMessage[];
  let s: TaskSession;

  beforeEach(async () => {
    dataRoot = mkdtempSync(path.join(tmpdir(), 'tsswarm-wire-'));
    fake = new FakeContainers();
    sent = [];
    mgr = new TaskManager({
      containers: fake as unknown as TaskContainers,
      images: { resolveForRun: async () => ({}), pull: async () => ({}) },
      nodeId: 'n1',
      dataRoot,
      logger: quiet,
    });
    await mgr.start();
    s = new TaskSession({ tasks: mgr, send: (m) => sent.push(m), logger: quiet });
    s.start();
    s.connected();
  });

  afterEach(async () => {
    s.stop();
    await mgr.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  const last = (id: string) =>
    sent
      .flatMap((m) => m.updates)
      .filter((u) => u.taskId === id)
      .at(-1)?.status.State;

  it('assignments become containers; their statuses come back as task-status; a task that leaves is removed', async () => {
    s.onMessage(full(t('a'), t('b', { Slot: 2 })));
    await until(() => last('a') === 'running' && last('b') === 'running', 3000, 'both running');
    assert.deepEqual(fake.names(), ['web.1.a', 'web.2.b']);
    for (const m of sent) assert.deepEqual(JSON.parse(JSON.stringify(m)), m, 'plain JSON');
    s.onMessage(full(t('a'), t('b', { Slot: 2, DesiredState: 'shutdown' })));
    await until(() => last('b') === 'shutdown', 3000, 'b shut down');
    s.onMessage(full(t('a')));
    await mgr.settled();
    assert.deepEqual(fake.names(), ['web.1.a']);
    const before = sent.length;
    s.disconnected();
    s.connected();
    assert.equal(sent.length, before + 1);
    assert.deepEqual(
      sent.at(-1)!.updates.map((u) => [u.taskId, u.status.State]),
      [['a', 'running']],
    );
  });
});
