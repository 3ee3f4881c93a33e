import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  TASK_ID_LABEL,
  TaskManager,
  type AssignedTask,
  type TaskContainers,
  type TaskStatusUpdate,
} from '../../../worker/agent/tasks';
import { FakeContainers } from '../../support/fake-containers';

function task(id: string, o: Partial<AssignedTask> = {}): AssignedTask {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: 's1',
    ServiceAnnotations: { Name: 'web' },
    Slot: 1,
    Spec: { ContainerSpec: { Image: 'busybox', Args: ['sleep', '1'] } },
    Status: { State: 'assigned' },
    DesiredState: 'running',
    ...o,
  };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('TaskManager (in-memory containers)', () => {
  let dataRoot: string;
  let fake: FakeContainers;
  let mgr: TaskManager;
  let batches: TaskStatusUpdate[][];

  beforeEach(async () => {
    dataRoot = mkdtempSync(path.join(tmpdir(), 'tsswarm-tasks-'));
    fake = new FakeContainers();
    batches = [];
    mgr = new TaskManager({
      containers: fake as unknown as TaskContainers,
      images: { resolveForRun: async () => ({}), pull: async () => ({}) },
      nodeId: 'node1',
      dataRoot,
    });
    mgr.onStatus((u) => batches.push(u));
    await mgr.start();
  });

  afterEach(async () => {
    await mgr.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('reports in batches of {taskId, status}, latest status per task, as plain JSON', async () => {
    mgr.setAssignments([task('a'), task('b', { Slot: 2 })]);
    await until(() => mgr.statusOf('a')?.State === 'running' && mgr.statusOf('b')?.State === 'running');
    await new Promise((r) => setTimeout(r, 5));
    for (const b of batches) {
      assert.deepEqual(JSON.parse(JSON.stringify(b)), b);
      assert.equal(new Set(b.map((u) => u.taskId)).size, b.length, 'one entry per task in a batch');
    }
    const last = (id: string) =>
      batches
        .flat()
        .filter((u) => u.taskId === id)
        .at(-1)?.status.State;
    assert.equal(last('a'), 'running');
    assert.equal(last('b'), 'running');
  });

  it('is idempotent: the same set again creates nothing and reports nothing', async () => {
    mgr.setAssignments([task('a')]);
    await until(() => mgr.statusOf('a')?.State === 'running');
    await new Promise((r) => setTimeout(r, 5));
    const n = batches.length;
    mgr.setAssignments([task('a')]);
    mgr.setAssignments([task('a')]);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fake.creates, 1);
    assert.equal(batches.length, n);
  });

  it('a DesiredState change to shutdown stops the container; leaving the set removes it', async () => {
    mgr.setAssignments([task('a')]);
    await until(() => mgr.statusOf('a')?.State === 'running');
    mgr.setAssignments([task('a', { DesiredState: 'shutdown' })]);
    await until(() => mgr.statusOf('a')?.State === 'shutdown');
    assert.equal(fake.records.size, 1);
    mgr.setAssignments([]);
    await mgr.settled();
    assert.equal(fake.records.size, 0);
    assert.equal(mgr.statusOf('a'), undefined);
  });

  it('after stop and a new start, adopts the container it finds by the task label', async () => {
    mgr.setAssignments([task('a')]);
    await until(() => mgr.statusOf('a')?.State === 'running');
    await mgr.stop();
    assert.equal(fake.list({ filters: { label: [`${TASK_ID_LABEL}=a`] } }).length, 1);
    await mgr.start();
    mgr.setAssignments([task('a', { Status: { State: 'running' } })]);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(mgr.statusOf('a')?.State, 'running');
    assert.equal(fake.creates, 1);
  });
});

describe('TaskManager: tasks with a healthcheck (in-memory containers, engine events)', () => {
  let dataRoot: string;
  let fake: FakeContainers;
  let mgr: TaskManager;
  let reported: TaskStatusUpdate[];
  const HC = { Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 200e6, Retries: 2 };
  const checked = (id: string) =>
    task(id, { Spec: { ContainerSpec: { Image: 'busybox', Args: ['sleep', '60'], Healthcheck: HC } } });
  const states = (id: string) => reported.filter((u) => u.taskId === id).map((u) => u.status.State);
  const containerOf = (id: string) => fake.list({ filters: { label: [`${TASK_ID_LABEL}=${id}`] } })[0]?.Id as string;

  beforeEach(async () => {
    dataRoot = mkdtempSync(path.join(tmpdir(), 'tsswarm-tasks-'));
    fake = new FakeContainers();
    reported = [];
    mgr = new TaskManager({
      containers: fake as unknown as TaskContainers,
      images: { resolveForRun: async () => ({}), pull: async () => ({}) },
      nodeId: 'node1',
      dataRoot,
      events: fake.events,
    });
    mgr.onStatus((u) => reported.push(...u));
    await mgr.start();
  });

  afterEach(async () => {
    await mgr.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('is reported starting while its container runs, running once the engine says healthy', async () => {
    mgr.setAssignments([checked('h')]);
    await until(() => !!containerOf('h') && fake.get(containerOf('h')).State.Running);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(mgr.statusOf('h')?.State, 'starting', 'held in starting until healthy');
    assert.equal(fake.get(containerOf('h')).Config.Healthcheck?.Test?.[1], 'test -f /tmp/ok');
    fake.setHealth(containerOf('h'), 'healthy');
    await until(() => mgr.statusOf('h')?.State === 'running');
    assert.equal(mgr.statusOf('h')?.Message, 'started');
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(states('h').slice(-2), ['starting', 'running']);
  });

  it('unhealthy before running: the container is stopped and the task fails with Docker Err', async () => {
    mgr.setAssignments([checked('u')]);
    await until(() => mgr.statusOf('u')?.State === 'starting' && fake.get(containerOf('u')).State.Running);
    fake.setHealth(containerOf('u'), 'unhealthy');
    await until(() => mgr.statusOf('u')?.State === 'failed');
    const st = mgr.statusOf('u')!;
    assert.equal(st.Err, 'task: non-zero exit (137): dockerexec: unhealthy container');
    assert.equal(st.Message, 'starting');
    assert.equal(st.ContainerStatus?.ExitCode, 137);
    assert.equal(fake.get(containerOf('u')).State.Running, false, 'the agent stopped it');
  });

  it('unhealthy after running: the task fails the same way', async () => {
    mgr.setAssignments([checked('r')]);
    await until(() => mgr.statusOf('r')?.State === 'starting' && fake.get(containerOf('r')).State.Running);
    fake.setHealth(containerOf('r'), 'healthy');
    await until(() => mgr.statusOf('r')?.State === 'running');
    fake.setHealth(containerOf('r'), 'unhealthy');
    await until(() => mgr.statusOf('r')?.State === 'failed');
    assert.equal(mgr.statusOf('r')?.Message, 'started');
    assert.equal(mgr.statusOf('r')?.Err, 'task: non-zero exit (137): dockerexec: unhealthy container');
  });

  it('a task without a healthcheck, or with NONE, runs at once', async () => {
    const none = task('n', { Spec: { ContainerSpec: { Image: 'b', Healthcheck: { Test: ['NONE'] } } } });
    mgr.setAssignments([task('plain'), none]);
    await until(() => mgr.statusOf('plain')?.State === 'running' && mgr.statusOf('n')?.State === 'running');
  });

  it('an adopted container that already reports healthy runs; health events stop with the manager', async () => {
    mgr.setAssignments([checked('a')]);
    await until(() => mgr.statusOf('a')?.State === 'starting' && fake.get(containerOf('a')).State.Running);
    await mgr.stop();
    fake.setHealth(containerOf('a'), 'healthy'); // nobody listens now
    await mgr.start();
    mgr.setAssignments([checked('a')].map((t) => ({ ...t, Status: { State: 'starting' as const } })));
    await until(() => mgr.statusOf('a')?.State === 'running');
    assert.equal(fake.creates, 1);
  });
});
