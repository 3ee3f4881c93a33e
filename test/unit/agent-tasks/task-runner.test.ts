import assert from 'node:assert/strict';
import type { TaskState, TaskStatus } from '../../../src/api';
import { TaskRunner, type AssignedTask, type Controller, type ObservedTask } from '../../../worker/agent/tasks';

/** A controller over an imaginary container: prepare makes it, start runs it, exit() ends it. */
class FakeController implements Controller {
  calls: string[] = [];
  container?: { ID: string; Running: boolean; Pid: number; ExitCode: number; Started: boolean };
  prepareError?: string;
  failPrepare = false;
  private exited?: () => void;
  shutDown = false;
  observe(): ObservedTask {
    return {
      now: new Date().toISOString(),
      ...(this.container ? { container: { ...this.container } } : {}),
      ...(this.prepareError ? { prepareError: this.prepareError } : {}),
      ...(this.shutDown ? { shutDown: true } : {}),
    };
  }
  async prepare() {
    this.calls.push('prepare');
    if (this.failPrepare) this.prepareError = 'No such image: nope';
    else this.container = { ID: 'c1', Running: false, Pid: 0, ExitCode: 0, Started: false };
  }
  async start() {
    this.calls.push('start');
    Object.assign(this.container!, { Running: true, Pid: 9, Started: true });
  }
  wait(signal: AbortSignal) {
    this.calls.push('wait');
    return new Promise<void>((resolve) => {
      this.exited = resolve;
      signal.addEventListener('abort', () => resolve());
    });
  }
  exit(code: number) {
    Object.assign(this.container!, { Running: false, Pid: 0, ExitCode: code });
    this.exited?.();
  }
  async shutdown() {
    this.calls.push('shutdown');
    if (this.container?.Running) Object.assign(this.container, { Running: false, Pid: 0, ExitCode: 143 });
    this.shutDown = true;
  }
  async remove() {
    this.calls.push('remove');
    this.container = undefined;
  }
}

function task(o: Partial<AssignedTask> = {}): AssignedTask {
  return {
    ID: 't1',
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: 's1',
    Spec: { ContainerSpec: { Image: 'busybox' } },
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

describe('TaskRunner', () => {
  it('drives a task through every state to complete, calling prepare, start and wait once each', async () => {
    const c = new FakeController();
    const seen: TaskStatus[] = [];
    const r = new TaskRunner(task(), c, (s) => seen.push(s));
    r.run();
    await until(() => r.current().State === 'running');
    c.exit(0);
    await until(() => r.current().State === 'complete');
    await r.stop();
    assert.deepEqual(
      seen.map((s) => s.State),
      ['accepted', 'preparing', 'ready', 'starting', 'running', 'complete'],
    );
    assert.deepEqual(c.calls, ['prepare', 'start', 'wait']);
    assert.equal(seen[4].ContainerStatus?.PID, 9);
  });

  it('a prepare error ends in rejected', async () => {
    const c = new FakeController();
    c.failPrepare = true;
    const r = new TaskRunner(task(), c, () => undefined);
    r.run();
    await until(() => r.current().State === 'rejected');
    await r.stop();
    assert.equal(r.current().Err, 'No such image: nope');
  });

  it('a DesiredState change to shutdown wakes a waiting runner and stops the container', async () => {
    const c = new FakeController();
    const r = new TaskRunner(task(), c, () => undefined);
    r.run();
    await until(() => r.current().State === 'running');
    r.update(task({ DesiredState: 'shutdown' }));
    await until(() => r.current().State === 'shutdown');
    await r.stop();
    assert.deepEqual(c.calls.slice(-1), ['shutdown']);
    assert.equal(r.current().ContainerStatus?.ExitCode, 143);
  });

  it("keeps its own status when the managers' is behind, takes theirs when it is ahead", async () => {
    const c = new FakeController();
    const r = new TaskRunner(task(), c, () => undefined);
    r.run();
    await until(() => r.current().State === 'running');
    r.update(task({ Status: { State: 'starting' } }));
    assert.equal(r.current().State, 'running');
    r.update(task({ Status: { State: 'orphaned' as TaskState } }));
    assert.equal(r.current().State, 'orphaned');
    await r.stop();
  });

  it('remove() shuts down and removes; stop() alone leaves the container', async () => {
    const c = new FakeController();
    const r = new TaskRunner(task(), c, () => undefined);
    r.run();
    await until(() => r.current().State === 'running');
    await r.stop();
    assert.equal(c.container?.Running, true);
    await r.remove();
    assert.deepEqual(c.calls.slice(-2), ['shutdown', 'remove']);
    assert.equal(c.container, undefined);
  });
});
