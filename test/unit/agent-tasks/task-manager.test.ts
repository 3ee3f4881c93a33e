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
