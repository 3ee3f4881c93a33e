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
  async release() {
    this.calls.push('release');
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
    assert.deepEqual(c.calls.slice(0, 3), ['prepare', 'start', 'wait']);
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
    assert.ok(c.calls.includes('shutdown'));
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

  it('an ended task releases its files once and keeps its container; remove() removes it', async () => {
    const c = new FakeController();
    const r = new TaskRunner(task(), c, () => undefined);
    r.run();
    await until(() => r.current().State === 'running');
    c.exit(3);
    await until(() => c.calls.includes('release'));
    assert.equal(r.current().State, 'failed');
    r.update(task({ DesiredState: 'shutdown' }));
    await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(c.calls, ['prepare', 'start', 'wait', 'release'], 'once, and nothing else');
    assert.ok(c.container, 'the exited container stays');
    await r.remove();
    assert.equal(c.container, undefined);
  });

  it("a task the managers ended whose container runs: the container is stopped, the managers' state kept", async () => {
    const c = new FakeController();
    c.container = { ID: 'c1', Running: true, Pid: 9, ExitCode: 0, Started: true };
    const reported: TaskStatus[] = [];
    const r = new TaskRunner(task({ Status: { State: 'orphaned' as TaskState } }), c, (s) => reported.push(s));
    r.run();
    await until(() => c.calls.includes('release'));
    assert.deepEqual(c.calls, ['shutdown', 'release']);
    assert.equal(c.container.Running, false);
    assert.deepEqual(reported, [], 'a terminal state never changes');
    await r.stop();
  });
});
