import assert from 'node:assert/strict';
import { TASK_STATES, type TaskState, type TaskStatus } from '../../../src/api';
import {
  GONE,
  UNHEALTHY,
  isTerminal,
  nextAction,
  stateRank,
  step,
  type ObservedContainer,
  type ObservedTask,
} from '../../../worker/agent/tasks';

const NOW = '2026-01-01T00:00:00.000Z';
const status = (State: TaskState, extra: Partial<TaskStatus> = {}): TaskStatus => ({ State, Message: State, ...extra });
const ctr = (o: Partial<ObservedContainer> = {}): ObservedContainer => ({
  ID: 'c1',
  Running: false,
  Pid: 0,
  ExitCode: 0,
  Started: false,
  ...o,
});
const obs = (o: Partial<ObservedTask> = {}): ObservedTask => ({ now: NOW, ...o });
const running = ctr({ Running: true, Pid: 42, Started: true });

describe('task step()', () => {
  describe('forward transitions with DesiredState running', () => {
    const cases: Array<[TaskState, ObservedTask, TaskState, string]> = [
      ['new', obs(), 'accepted', 'accepted'],
      ['pending', obs(), 'accepted', 'accepted'],
      ['assigned', obs(), 'accepted', 'accepted'],
      ['accepted', obs(), 'preparing', 'preparing'],
      ['preparing', obs({ container: ctr() }), 'ready', 'prepared'],
      ['ready', obs({ container: ctr() }), 'starting', 'starting'],
      ['starting', obs({ container: running }), 'running', 'started'],
      ['running', obs({ container: ctr({ Started: true, ExitCode: 0 }) }), 'complete', 'finished'],
    ];
    for (const [from, o, to, message] of cases) {
      it(`${from} -> ${to} (${message})`, () => {
        const s = step({ Status: status(from), DesiredState: 'running' }, o);
        assert.equal(s.State, to);
        assert.equal(s.Message, message);
        assert.equal(s.Timestamp, NOW);
      });
    }
  });

  it('waits in preparing until the container exists, in starting until it started, in running while it runs', () => {
    for (const [state, o] of [
      ['preparing', obs()],
      ['starting', obs({ container: ctr() })],
      ['running', obs({ container: running })],
    ] as Array<[TaskState, ObservedTask]>) {
      const cur = status(state);
      assert.equal(step({ Status: cur, DesiredState: 'running' }, o), cur, state);
    }
  });

  it('reports the container id and pid once running', () => {
    const s = step({ Status: status('starting'), DesiredState: 'running' }, obs({ container: running }));
    assert.deepEqual(s.ContainerStatus, { ContainerID: 'c1', PID: 42, ExitCode: 0 });
  });

  it('a non-zero exit fails the task with its exit code', () => {
    const s = step(
      { Status: status('running'), DesiredState: 'running' },
      obs({ container: ctr({ Started: true, ExitCode: 3 }) }),
    );
    assert.equal(s.State, 'failed');
    assert.equal(s.Err, 'task: non-zero exit (3)');
    assert.deepEqual(s.ContainerStatus, { ContainerID: 'c1', PID: 0, ExitCode: 3 });
  });

  it('a failed start fails the task', () => {
    const s = step(
      { Status: status('starting'), DesiredState: 'running' },
      obs({ container: ctr(), startError: 'runc: exec failed' }),
    );
    assert.equal(s.State, 'failed');
    assert.equal(s.Err, 'runc: exec failed');
  });

  it('a prepare error rejects the task (from preparing and before)', () => {
    for (const from of ['assigned', 'accepted', 'preparing'] as TaskState[]) {
      const s = step({ Status: status(from), DesiredState: 'running' }, obs({ prepareError: 'No such image: x' }));
      assert.equal(s.State, 'rejected', from);
      assert.equal(s.Message, 'rejected');
      assert.equal(s.Err, 'No such image: x');
    }
  });

  it('a container removed behind its back fails a ready, starting or running task', () => {
    for (const from of ['ready', 'starting', 'running'] as TaskState[]) {
      const s = step({ Status: status(from), DesiredState: 'running' }, obs());
      assert.equal(s.State, 'failed', from);
      assert.equal(s.Err, GONE);
    }
  });

  it('DesiredState ready holds a prepared task in ready', () => {
    const cur = status('ready');
    assert.equal(step({ Status: cur, DesiredState: 'ready' }, obs({ container: ctr() })), cur);
    assert.equal(nextAction({ Status: cur, DesiredState: 'ready' }, obs({ container: ctr() })), 'none');
  });

  describe('DesiredState shutdown', () => {
    const live = TASK_STATES.filter((s) => !isTerminal(s));
    for (const from of live) {
      it(`from ${from}: shutdown once the container is stopped (or when there is none)`, () => {
        const cur = status(from);
        const task = { Status: cur, DesiredState: 'shutdown' as TaskState };
        assert.equal(step(task, obs({ container: running })), cur, 'waits for the stop');
        assert.equal(nextAction(task, obs({ container: running })), 'shutdown');
        const s = step(task, obs({ container: ctr({ Started: true, ExitCode: 137 }), shutDown: true }));
        assert.equal(s.State, 'shutdown');
        assert.equal(s.Message, 'shutdown');
        assert.equal(s.ContainerStatus?.ExitCode, 137);
        assert.equal(step(task, obs()).State, 'shutdown');
      });
    }
    it('DesiredState remove shuts down too', () => {
      assert.equal(
        step({ Status: status('running'), DesiredState: 'remove' }, obs({ shutDown: true })).State,
        'shutdown',
      );
    });
  });

  it('never moves a terminal state, whatever is observed (a running container of it is only stopped)', () => {
    const observations = [
      obs(),
      obs({ container: running }),
      obs({ container: ctr({ Started: true, ExitCode: 1 }) }),
      obs({ prepareError: 'x', startError: 'y', shutDown: true }),
    ];
    for (const from of TASK_STATES.filter(isTerminal)) {
      for (const desired of ['running', 'shutdown'] as TaskState[]) {
        for (const o of observations) {
          const cur = status(from);
          assert.equal(step({ Status: cur, DesiredState: desired }, o), cur, `${from}/${desired}`);
          const stops = o.container?.Running && !o.shutDown;
          assert.equal(nextAction({ Status: cur, DesiredState: desired }, o), stops ? 'shutdown' : 'none');
        }
      }
    }
  });

  it('never goes backwards: from every state, every observation gives a state of at least its rank', () => {
    const observations = [
      obs(),
      obs({ container: ctr() }),
      obs({ container: running }),
      obs({ container: ctr({ Started: true, ExitCode: 2 }) }),
      obs({ prepareError: 'bad' }),
      obs({ container: ctr(), startError: 'bad' }),
      obs({ container: running, shutDown: true }),
      obs({ container: running, health: { healthy: false, unhealthy: false } }),
      obs({ container: running, health: { healthy: true, unhealthy: true } }),
      obs({ container: ctr({ Started: true, ExitCode: 137 }), health: { healthy: false, unhealthy: true } }),
    ];
    for (const from of TASK_STATES) {
      for (const desired of ['ready', 'running', 'shutdown', 'remove'] as TaskState[]) {
        for (const o of observations) {
          const s = step({ Status: status(from), DesiredState: desired }, o);
          assert.ok(stateRank(s.State) >= stateRank(from), `${from} -> ${s.State} (desired ${desired})`);
        }
      }
    }
  });

  it('walks a task from assigned to complete, one state per step', () => {
    const seen: TaskState[] = [];
    let cur = status('assigned');
    const container = ctr();
    for (let i = 0; i < 10 && !isTerminal(cur.State); i++) {
      // The container exists from preparing on, starts in starting and exits once running.
      if (cur.State === 'starting') Object.assign(container, { Running: true, Started: true, Pid: 7 });
      if (cur.State === 'running') Object.assign(container, { Running: false, Pid: 0 });
      const withC = stateRank(cur.State) >= stateRank('preparing') ? container : undefined;
      cur = step({ Status: cur, DesiredState: 'running' }, obs({ container: withC }));
      seen.push(cur.State);
    }
    assert.deepEqual(seen, ['accepted', 'preparing', 'ready', 'starting', 'running', 'complete']);
  });

  describe('nextAction()', () => {
    const t = (s: TaskState, d: TaskState = 'running') => ({ Status: status(s), DesiredState: d });
    it('prepares in preparing, starts in starting, waits in running', () => {
      assert.equal(nextAction(t('preparing'), obs()), 'prepare');
      assert.equal(nextAction(t('starting'), obs({ container: ctr() })), 'start');
      assert.equal(nextAction(t('running'), obs({ container: running })), 'wait');
    });
    it('does not repeat a call that failed', () => {
      assert.equal(nextAction(t('preparing'), obs({ prepareError: 'x' })), 'none');
      assert.equal(nextAction(t('starting'), obs({ container: ctr(), startError: 'x' })), 'none');
    });
    it('shuts a running container down once', () => {
      assert.equal(nextAction(t('running', 'shutdown'), obs({ container: running })), 'shutdown');
      assert.equal(nextAction(t('running', 'shutdown'), obs({ container: running, shutDown: true })), 'none');
      assert.equal(nextAction(t('preparing', 'shutdown'), obs()), 'none');
    });
    it('stops the running container of an ended task (started by hand, or ended by the managers), once', () => {
      for (const d of ['running', 'shutdown'] as TaskState[]) {
        assert.equal(nextAction(t('failed', d), obs({ container: running })), 'shutdown');
        assert.equal(nextAction(t('orphaned', d), obs({ container: running, shutDown: true })), 'none');
        assert.equal(nextAction(t('complete', d), obs({ container: ctr({ Started: true }) })), 'none');
      }
    });
  });
  describe('a container with a healthcheck (swarm executor)', () => {
    const t = (s: TaskState) => ({ Status: status(s), DesiredState: 'running' as TaskState });
    const health = (healthy: boolean, unhealthy: boolean) => ({ health: { healthy, unhealthy } });
    const exited = (code: number) => ctr({ Started: true, ExitCode: code });

    it('stays starting while the container runs and has not reported healthy, and waits', () => {
      const o = obs({ container: running, ...health(false, false) });
      const cur = status('starting');
      assert.equal(step({ Status: cur, DesiredState: 'running' }, o), cur);
      assert.equal(nextAction(t('starting'), o), 'wait');
      assert.equal(nextAction(t('starting'), obs({ container: ctr(), ...health(false, false) })), 'start');
    });

    it('runs once healthy (even if unhealthy came after: running then fails it)', () => {
      for (const o of [health(true, false), health(true, true)]) {
        const s = step(t('starting'), obs({ container: running, ...o }));
        assert.deepEqual([s.State, s.Message, s.Err], ['running', 'started', undefined]);
      }
    });

    it('unhealthy while starting: the container is stopped, then the task fails with Docker Err', () => {
      const o = obs({ container: running, ...health(false, true) });
      const cur = status('starting');
      assert.equal(step({ Status: cur, DesiredState: 'running' }, o), cur);
      assert.equal(nextAction(t('starting'), o), 'shutdown');
      const s = step(t('starting'), obs({ container: exited(137), ...health(false, true) }));
      assert.deepEqual(
        [s.State, s.Message, s.Err, s.ContainerStatus?.ExitCode],
        ['failed', 'starting', `task: non-zero exit (137): ${UNHEALTHY}`, 137],
      );
      assert.equal(UNHEALTHY, 'dockerexec: unhealthy container');
    });

    it('exits before healthy: non-zero fails it plainly, zero runs (and then completes)', () => {
      const bad = step(t('starting'), obs({ container: exited(2), ...health(false, false) }));
      assert.deepEqual([bad.State, bad.Message, bad.Err], ['failed', 'starting', 'task: non-zero exit (2)']);
      const ok = step(t('starting'), obs({ container: exited(0), ...health(false, false) }));
      assert.equal(ok.State, 'running');
      assert.equal(step({ Status: ok, DesiredState: 'running' }, obs({ container: exited(0) })).State, 'complete');
    });

    it('unhealthy while running: the container is stopped and the task fails', () => {
      const o = obs({ container: running, ...health(true, true) });
      const cur = status('running');
      assert.equal(step({ Status: cur, DesiredState: 'running' }, o), cur);
      assert.equal(nextAction(t('running'), o), 'shutdown');
      assert.equal(nextAction(t('running'), obs({ container: running, ...health(true, false) })), 'wait');
      const s = step(t('running'), obs({ container: exited(143), ...health(true, true) }));
      assert.deepEqual(
        [s.State, s.Message, s.Err],
        ['failed', 'started', 'task: non-zero exit (143): dockerexec: unhealthy container'],
      );
    });

    it('a desired shutdown still wins', () => {
      const o = obs({ container: running, ...health(false, true) });
      assert.equal(nextAction({ Status: status('starting'), DesiredState: 'shutdown' }, o), 'shutdown');
      const s = step({ Status: status('starting'), DesiredState: 'shutdown' }, { ...o, shutDown: true });
      assert.equal(s.State, 'shutdown');
    });
  });
});
