import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AssignmentsMessage, TaskAssignment, TaskStatusMessage } from '../../../src/rpc';
import { AgentTasks } from '../../../worker/agent/agent-tasks';
import type { TaskContainers } from '../../../worker/agent/tasks';
import { FakeContainers } from '../../support/fake-containers';
import { quiet, until } from './fixtures';

function t(id: string, slot: number): TaskAssignment {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: 's1',
    ServiceAnnotations: { Name: 'web' },
    Slot: slot,
    Spec: { ContainerSpec: { Image: 'busybox', Args: ['sleep', '3600'] } },
    Status: { State: 'assigned' },
    DesiredState: 'running',
  };
}
const full = (...tasks: TaskAssignment[]): AssignmentsMessage => ({
  type: 'assignments',
  full: true,
  changes: tasks.map((task) => ({ action: 'update', assignment: { kind: 'task', task } })),
});

describe('AgentTasks', () => {
  let dataRoot: string;
  let fake: FakeContainers;
  let sent: TaskStatusMessage[];
  const make = () =>
    new AgentTasks({
      containers: fake as unknown as TaskContainers,
      images: { resolveForRun: async () => ({}), pull: async () => ({}) },
      nodeId: 'n1',
      dataRoot,
      send: (m) => sent.push(m),
      logger: quiet,
    });
  const last = (id: string) =>
    sent
      .flatMap((m) => m.updates)
      .filter((u) => u.taskId === id)
      .at(-1)?.status;

  beforeEach(() => {
    dataRoot = mkdtempSync(path.join(tmpdir(), 'tsswarm-wire-'));
    fake = new FakeContainers();
    sent = [];
  });
  afterEach(() => rmSync(dataRoot, { recursive: true, force: true }));

  it('takes assignments before start() finished, in order; stop keeps containers; the next run re-adopts; removeAll removes', async () => {
    const a = make();
    a.connected();
    assert.equal(a.onMessage(full(t('x', 1))), true);
    assert.equal(a.onMessage({ type: 'managers' }), false);
    a.onMessage(full(t('x', 1), t('y', 2)));
    await until(() => last('x')?.State === 'running' && last('y')?.State === 'running', 3000, 'running');
    const pid = last('x')!.ContainerStatus?.PID;
    await a.stop();
    await a.stop();
    assert.deepEqual(fake.names(), ['web.1.x', 'web.2.y'], 'a daemon stop leaves them running');

    sent = [];
    const b = make();
    b.connected();
    b.onMessage(full(t('x', 1)));
    await until(() => last('x')?.State === 'running', 3000, 're-adopted');
    assert.equal(last('x')!.ContainerStatus?.PID, pid, 'the same process');
    await b.manager.settled();
    assert.deepEqual(fake.names(), ['web.1.x'], 'the container no assignment claimed is gone');
    await b.removeAll();
    assert.deepEqual(fake.names(), []);
  });
});
