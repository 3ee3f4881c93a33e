import assert from 'node:assert/strict';
import {
  ContainerHealth,
  HealthMonitor,
  LimitedOutput,
  MAX_HEALTH_OUTPUT,
  applyProbeResult,
  healthFilterMatches,
  nextProbeDelayMs,
  startingHealth,
  statusText,
  validateHealthFilter,
  type ContainerRecord,
  type HealthClock,
  type HealthState,
  type HealthcheckResult,
  type ProbeOutcome,
  type ResolvedHealthcheck,
} from '../../../worker/engine/containers';

/** Timers that fire only when the test advances the time. */
class FakeClock implements HealthClock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; seq: number }> = [];
  private seq = 0;
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn, seq: this.seq++ };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((x) => x !== timer));
  }
  pending(): number {
    return this.timers.length;
  }
  /** Moves the time on by ms, firing each timer due on the way (and what the promises it settles do). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A probe whose runs the test ends one at a time. */
class FedProbe {
  runs: Array<{
    signal: AbortSignal;
    started(): void;
    resolve(o: ProbeOutcome): void;
    reject(e: Error): void;
  }> = [];
  readonly run = (p: { signal: AbortSignal; started(): void }) =>
    new Promise<ProbeOutcome>((resolve, reject) => this.runs.push({ ...p, resolve, reject }));
  /** Starts and ends the latest run with this exit code. */
  answer(exitCode: number, output = ''): void {
    const r = this.runs.at(-1)!;
    r.started();
    r.resolve({ exitCode, output });
  }
}

const cfg = (o: Partial<ResolvedHealthcheck> = {}): ResolvedHealthcheck => ({
  cmd: ['true'],
  intervalMs: 200,
  timeoutMs: 1000,
  startPeriodMs: 0,
  startIntervalMs: 50,
  retries: 3,
  ...o,
});

const result = (ExitCode: number, startMs: number): HealthcheckResult => ({
  Start: new Date(startMs).toISOString(),
  End: new Date(startMs + 5).toISOString(),
  ExitCode,
  Output: '',
});

describe('health monitor', () => {
  describe('applyProbeResult (Docker handleProbeResult)', () => {
    const o = { retries: 3, startPeriodMs: 0, startedAtMs: 0 };

    it('a pass makes it healthy and resets the streak', () => {
      const h = applyProbeResult({ Status: 'unhealthy', FailingStreak: 4, Log: [] }, result(0, 10), o);
      assert.equal(h.Status, 'healthy');
      assert.equal(h.FailingStreak, 0);
    });

    it('becomes unhealthy after Retries consecutive failures, from starting or healthy', () => {
      for (const from of ['starting', 'healthy'] as const) {
        let h: HealthState = { Status: from, FailingStreak: 0, Log: [] };
        h = applyProbeResult(h, result(1, 10), o);
        h = applyProbeResult(h, result(1, 20), o);
        assert.deepEqual([h.Status, h.FailingStreak], [from, 2]);
        h = applyProbeResult(h, result(1, 30), o);
        assert.deepEqual([h.Status, h.FailingStreak], ['unhealthy', 3]);
        h = applyProbeResult(h, result(-1, 40), o);
        assert.deepEqual([h.Status, h.FailingStreak], ['unhealthy', 4]);
      }
    });

    it('failures within the start period do not count while starting; a pass there is healthy', () => {
      const sp = { retries: 1, startPeriodMs: 1000, startedAtMs: 0 };
      let h = applyProbeResult(startingHealth(), result(1, 500), sp);
      assert.deepEqual([h.Status, h.FailingStreak], ['starting', 0]);
      assert.equal(h.Log.length, 1, 'still logged');
      h = applyProbeResult(h, result(1, 999), sp);
      assert.deepEqual([h.Status, h.FailingStreak], ['starting', 0]);
      h = applyProbeResult(h, result(1, 1000), sp);
      assert.deepEqual([h.Status, h.FailingStreak], ['unhealthy', 1], 'the period is over');
      assert.equal(applyProbeResult(startingHealth(), result(0, 100), sp).Status, 'healthy');
      // Once healthy, the start period no longer shields failures.
      const healthy: HealthState = { Status: 'healthy', FailingStreak: 0, Log: [] };
      assert.equal(applyProbeResult(healthy, result(1, 200), sp).Status, 'unhealthy');
    });

    it('keeps the last 5 results, oldest first', () => {
      let h = startingHealth();
      for (let i = 0; i < 7; i++) h = applyProbeResult(h, result(0, i), o);
      assert.deepEqual(
        h.Log.map((r) => Date.parse(r.Start)),
        [2, 3, 4, 5, 6],
      );
    });

    it('startingHealth starts over but keeps the log', () => {
      const prev: HealthState = { Status: 'unhealthy', FailingStreak: 7, Log: [result(1, 1)] };
      assert.deepEqual(startingHealth(prev), { Status: 'starting', FailingStreak: 0, Log: prev.Log });
    });
  });

  it('nextProbeDelayMs: StartInterval while starting within the start period, Interval otherwise', () => {
    const c = { intervalMs: 1000, startIntervalMs: 100, startPeriodMs: 500 };
    assert.equal(nextProbeDelayMs(c, 'starting', 0), 100);
    assert.equal(nextProbeDelayMs(c, 'healthy', 0), 1000);
    assert.equal(nextProbeDelayMs(c, 'starting', 500), 1000);
    assert.equal(nextProbeDelayMs({ ...c, startPeriodMs: 0 }, 'starting', 0), 1000);
  });

  describe('HealthMonitor (fed probe results, fake clock)', () => {
    let clock: FakeClock;
    let probe: FedProbe;
    let results: Array<{ state: HealthState; changed: boolean }>;
    const monitor = (c: ResolvedHealthcheck, startedAtMs = clock.now()) =>
      new HealthMonitor({
        config: c,
        startedAtMs,
        state: startingHealth(),
        probe: probe.run,
        clock,
        containerId: 'c1',
        onResult: (state, changed) => results.push({ state, changed }),
      });

    beforeEach(() => {
      clock = new FakeClock();
      probe = new FedProbe();
      results = [];
    });

    it('probes after each interval: starting -> healthy once a probe passes', async () => {
      const m = monitor(cfg());
      m.start();
      await clock.advance(199);
      assert.equal(probe.runs.length, 0, 'the first probe waits an interval');
      await clock.advance(1);
      assert.equal(probe.runs.length, 1);
      probe.answer(1, 'not yet');
      await flush();
      assert.deepEqual(
        results.map((r) => [r.state.Status, r.changed]),
        [['starting', false]],
      );
      assert.deepEqual(results[0].state.Log[0].Output, 'not yet');
      assert.equal(results[0].state.Log[0].ExitCode, 1);
      await clock.advance(200);
      assert.equal(probe.runs.length, 2, 'the next one an interval after the end of the last');
      probe.answer(0);
      await flush();
      assert.deepEqual(results.at(-1)!.state.Status, 'healthy');
      assert.equal(results.at(-1)!.changed, true);
      assert.equal(m.current().Status, 'healthy');
      await m.stop();
    });

    it('goes unhealthy after Retries failures and reports the change once', async () => {
      const m = monitor(cfg({ retries: 2 }));
      m.start();
      for (let i = 0; i < 3; i++) {
        await clock.advance(200);
        probe.answer(1);
        await flush();
      }
      assert.deepEqual(
        results.map((r) => [r.state.Status, r.state.FailingStreak, r.changed]),
        [
          ['starting', 1, false],
          ['unhealthy', 2, true],
          ['unhealthy', 3, false],
        ],
      );
      await m.stop();
    });

    it('uses StartInterval while starting within the start period', async () => {
      const m = monitor(cfg({ startPeriodMs: 1000, startIntervalMs: 50 }));
      m.start();
      await clock.advance(50);
      assert.equal(probe.runs.length, 1);
      probe.answer(1);
      await clock.advance(50);
      assert.equal(probe.runs.length, 2, 'again after the start interval');
      probe.answer(0);
      await clock.advance(50);
      assert.equal(probe.runs.length, 2, 'healthy: back to the interval');
      await clock.advance(150);
      assert.equal(probe.runs.length, 3);
      assert.deepEqual(
        results.map((r) => r.state.FailingStreak),
        [0, 0],
        'the failure in the start period did not count',
      );
      probe.answer(0);
      await m.stop();
    });

    it('a probe over its timeout is killed and fails with Docker words; the timeout counts from its start', async () => {
      const m = monitor(cfg({ timeoutMs: 1500 }));
      m.start();
      await clock.advance(200);
      const run = probe.runs[0];
      await clock.advance(5000);
      assert.equal(run.signal.aborted, false, 'not started yet: only the 30 s start limit applies');
      run.started();
      await clock.advance(1499);
      assert.equal(run.signal.aborted, false);
      await clock.advance(1);
      assert.equal(run.signal.aborted, true, 'killed at the timeout');
      assert.equal(results.length, 0, 'the result waits for the killed probe to end');
      run.resolve({ exitCode: 137, output: 'partial' });
      await flush();
      assert.equal(results[0].state.Log[0].ExitCode, -1);
      assert.equal(results[0].state.Log[0].Output, 'Health check exceeded timeout (1.5s): partial');
      await clock.advance(200);
      const second = probe.runs[1];
      second.started();
      await clock.advance(1500);
      second.resolve({ exitCode: 137, output: '' });
      await flush();
      assert.equal(results[1].state.Log[1].Output, 'Health check exceeded timeout (1.5s)');
      await m.stop();
    });

    it('a probe that cannot run fails with its error; one that never starts fails after 30 s', async () => {
      const m = monitor(cfg());
      m.start();
      await clock.advance(200);
      probe.runs[0].reject(new Error('OCI runtime exec failed: exec: "nope": executable file not found'));
      await flush();
      assert.deepEqual(
        { code: results[0].state.Log[0].ExitCode, out: results[0].state.Log[0].Output },
        { code: -1, out: 'OCI runtime exec failed: exec: "nope": executable file not found' },
      );
      await clock.advance(200);
      const stuck = probe.runs[1];
      await clock.advance(30_000);
      assert.equal(stuck.signal.aborted, true);
      assert.equal(results[1].state.Log[1].Output, 'timed out starting health check for container c1');
      await m.stop();
    });

    it('stop ends the monitor: the probe in flight is killed, its result dropped, no more probes', async () => {
      const m = monitor(cfg());
      m.start();
      await clock.advance(200);
      const run = probe.runs[0];
      run.started();
      const stopped = m.stop();
      assert.equal(run.signal.aborted, true);
      run.resolve({ exitCode: 0, output: '' });
      await stopped;
      await clock.advance(10_000);
      assert.equal(results.length, 0);
      assert.equal(probe.runs.length, 1);
      assert.equal(clock.pending(), 0);
      await m.stop(); // idempotent
    });

    it('a throwing onResult does not end the checks', async () => {
      let calls = 0;
      const m = new HealthMonitor({
        config: cfg(),
        startedAtMs: clock.now(),
        state: startingHealth(),
        probe: probe.run,
        clock,
        onResult: () => {
          calls++;
          throw new Error('disk full');
        },
      });
      m.start();
      await clock.advance(200);
      probe.answer(0);
      await clock.advance(200);
      probe.answer(0);
      await flush();
      assert.equal(calls, 2);
      await m.stop();
    });

    it('stop while idle cancels the next probe', async () => {
      const m = monitor(cfg());
      m.start();
      await m.stop();
      await clock.advance(1000);
      assert.equal(probe.runs.length, 0);
    });
  });

  it('LimitedOutput keeps the first 4096 bytes and marks the cut with "..."', () => {
    const o = new LimitedOutput();
    o.write(Buffer.from('a'.repeat(4000)));
    o.write(Buffer.from('b'.repeat(200)));
    const s = o.toString();
    assert.equal(s.length, MAX_HEALTH_OUTPUT + 3);
    assert.ok(s.endsWith('b...'));
    const short = new LimitedOutput();
    short.write(Buffer.from('ok\n'));
    assert.equal(short.toString(), 'ok\n');
  });

  describe('what ps shows', () => {
    const st = (health?: HealthState['Status'], o: Record<string, unknown> = {}) =>
      ({
        Status: 'running',
        Running: true,
        Paused: false,
        Restarting: false,
        StartedAt: new Date(Date.now() - 5000).toISOString(),
        FinishedAt: '0001-01-01T00:00:00Z',
        ExitCode: 0,
        ...(health ? { Health: { Status: health, FailingStreak: 0, Log: [] } } : {}),
        ...o,
      }) as never;

    it('the Status text: "Up 5 seconds (healthy)", "(health: starting)", "(unhealthy)"', () => {
      assert.equal(statusText(st('healthy')), 'Up 5 seconds (healthy)');
      assert.equal(statusText(st('starting')), 'Up 5 seconds (health: starting)');
      assert.equal(statusText(st('unhealthy')), 'Up 5 seconds (unhealthy)');
      assert.equal(statusText(st()), 'Up 5 seconds');
      assert.equal(statusText(st('healthy', { Paused: true })), 'Up 5 seconds (Paused)');
      assert.match(
        statusText(st('unhealthy', { Running: false, Status: 'exited', FinishedAt: new Date().toISOString() })),
        /^Exited \(0\) /,
      );
    });

    it('the health filter: none for containers without one; unknown values are a 400', () => {
      const rec = (h?: HealthState['Status']) => ({ State: st(h) }) as unknown as ContainerRecord;
      assert.equal(healthFilterMatches(rec(), ['none']), true);
      assert.equal(healthFilterMatches(rec('healthy'), ['none']), false);
      assert.equal(healthFilterMatches(rec('healthy'), ['starting', 'healthy']), true);
      assert.equal(healthFilterMatches(rec('unhealthy'), ['healthy']), false);
      validateHealthFilter(['none', 'starting', 'healthy', 'unhealthy']);
      assert.throws(() => validateHealthFilter(['sick']), {
        message:
          "invalid filter 'health=sick': invalid value for health (sick): must be one of none, starting, healthy, unhealthy",
      });
    });
  });
  describe('ContainerHealth (the container service side, probe and clock injected)', () => {
    let clock: FakeClock;
    let probe: FedProbe;
    let published: Array<{ action: string; id: string; attrs: Record<string, string> }>;
    let persisted: number;
    let ch: ContainerHealth;
    const record = (Healthcheck: unknown): ContainerRecord =>
      ({
        Id: 'c1',
        Name: '/web',
        Config: { Image: 'busybox', Labels: { tier: 'web' }, Healthcheck },
        State: { Running: true, StartedAt: new Date(clock.now()).toISOString() },
      }) as unknown as ContainerRecord;

    beforeEach(() => {
      clock = new FakeClock();
      probe = new FedProbe();
      published = [];
      persisted = 0;
      ch = new ContainerHealth({
        execs: {} as never,
        events: { publish: (_t, action, id, attrs = {}) => published.push({ action, id, attrs }) },
        persist: () => persisted++,
        logger: { debug() {}, info() {}, warn() {}, error() {}, child: () => undefined } as never,
        clock,
        probe: () => probe.run,
      });
    });

    it('started: State.Health starting; a status change is persisted and published as health_status', async () => {
      const r = record({ Test: ['CMD', 'true'], Interval: 200e6, Retries: 1 });
      ch.started(r);
      assert.deepEqual(r.State.Health, { Status: 'starting', FailingStreak: 0, Log: [] });
      await clock.advance(200);
      probe.answer(1);
      await flush();
      assert.equal(r.State.Health!.Status, 'unhealthy');
      await clock.advance(200);
      probe.answer(1);
      await clock.advance(200);
      probe.answer(0);
      await flush();
      assert.deepEqual(
        published.map((p) => p.action),
        ['health_status: unhealthy', 'health_status: healthy'],
      );
      assert.deepEqual(published[0].attrs, { tier: 'web', image: 'busybox', name: 'web' });
      assert.equal(published[0].id, 'c1');
      assert.equal(persisted, 2, 'only the changes are written');
      assert.equal(r.State.Health!.Log.length, 3);
      ch.close();
    });

    it('stopped: no more probes, status unhealthy without an event; started again: starting, log kept', async () => {
      const r = record({ Test: ['CMD', 'true'], Interval: 200e6 });
      ch.started(r);
      await clock.advance(200);
      probe.answer(0);
      await flush();
      ch.stopped(r);
      assert.equal(r.State.Health!.Status, 'unhealthy');
      await clock.advance(1000);
      assert.equal(probe.runs.length, 1);
      assert.equal(published.length, 1);
      ch.started(r);
      assert.equal(r.State.Health!.Status, 'starting');
      assert.equal(r.State.Health!.Log.length, 1);
      ch.close();
    });

    it('adopt keeps a running monitor; containers without a check (or NONE) get no State.Health', async () => {
      const r = record({ Test: ['CMD', 'true'], Interval: 200e6 });
      ch.started(r);
      await clock.advance(200);
      probe.answer(0);
      await flush();
      ch.adopt(r);
      assert.equal(r.State.Health!.Status, 'healthy', 'a reconcile does not start it over');
      for (const h of [undefined, { Test: ['NONE'] }]) {
        const other = { ...record(h), Id: 'c2' } as ContainerRecord;
        ch.started(other);
        ch.adopt(other);
        ch.stopped(other);
        assert.equal(other.State.Health, undefined);
      }
      ch.close();
      await clock.advance(1000);
      assert.equal(probe.runs.length, 1, 'close ends every monitor');
    });
  });
});
