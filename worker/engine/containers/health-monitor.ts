import { formatGoDuration, type ResolvedHealthcheck } from './health-config';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe run, as Docker's State.Health.Log holds it. */
export interface HealthcheckResult {
  /** RFC 3339. */
  Start: string;
  End: string;
  /** 0 healthy, 1 unhealthy, -1 the probe could not run or timed out. */
  ExitCode: number;
  Output: string;
}

/** Docker's State.Health of a container inspect. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  /** The last MAX_HEALTH_LOG results, oldest first. */
  Log: HealthcheckResult[];
}

/** Results kept in State.Health.Log (Docker's maxLogEntries). */
export const MAX_HEALTH_LOG = 5;
/** Probe output kept per result (Docker's maxOutputLen); longer output is cut and ends in "...". */
export const MAX_HEALTH_OUTPUT = 4096;
/** How long a probe may take to start before it counts as failed (Docker's 30 s). */
export const PROBE_START_TIMEOUT_MS = 30_000;

/** A fresh health state, or the one a container starts (again) with: starting, the log kept. */
export function startingHealth(prev?: HealthState): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: prev?.Log ?? [] };
}

/**
 * Docker's handleProbeResult without the locking: the health state after one result. A pass
 * makes the container healthy and resets the streak. A failure adds to the streak, except while
 * the container is still starting and the probe began within StartPeriod of its start; the
 * streak reaching Retries makes it unhealthy.
 */
export function applyProbeResult(
  h: HealthState,
  result: HealthcheckResult,
  o: { retries: number; startPeriodMs: number; startedAtMs: number },
): HealthState {
  const Log = [...h.Log, result].slice(-MAX_HEALTH_LOG);
  if (result.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log };
  const inStartPeriod = h.Status === 'starting' && Date.parse(result.Start) - o.startedAtMs < o.startPeriodMs;
  if (inStartPeriod) return { ...h, Log };
  const FailingStreak = h.FailingStreak + 1;
  return { Status: FailingStreak >= o.retries ? 'unhealthy' : h.Status, FailingStreak, Log };
}

/**
 * Docker's interval before the next probe (from the end of the last one): StartInterval while
 * the container is starting and within its start period, Interval otherwise.
 */
export function nextProbeDelayMs(
  cfg: Pick<ResolvedHealthcheck, 'intervalMs' | 'startIntervalMs' | 'startPeriodMs'>,
  status: HealthStatus,
  sinceStartMs: number,
): number {
  if (sinceStartMs >= cfg.startPeriodMs) return cfg.intervalMs;
  return status === 'starting' ? cfg.startIntervalMs : cfg.intervalMs;
}

/** What one probe run reports: the command's exit code and its (capped) output. */
export interface ProbeOutcome {
  exitCode: number;
  output: string;
}

/**
 * Runs the probe once. It calls `started()` once the process runs (the timeout counts from
 * there) and, when `signal` aborts, kills the process and still resolves with what it has.
 * A rejection is a probe that could not run: its message becomes the result's output.
 */
export type ProbeRunner = (p: { signal: AbortSignal; started(): void }) => Promise<ProbeOutcome>;

/** Time for the monitor; tests pass a fake one. */
export interface HealthClock {
  now(): number;
  /** Calls fn after ms; returns the function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const REAL_CLOCK: HealthClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface HealthMonitorOptions {
  config: ResolvedHealthcheck;
  /** When the container's process started, ms since the epoch (the start period counts from here). */
  startedAtMs: number;
  /** The state to go on from (startingHealth() for a container that just started). */
  state: HealthState;
  probe: ProbeRunner;
  /** Called after every result with the new state; `changed` when its Status moved. */
  onResult(state: HealthState, changed: boolean): void;
  clock?: HealthClock;
  /** For the messages of probes that cannot start. */
  containerId?: string;
}

/**
 * The health checker of one running container (Docker's monitor goroutine): waits the
 * interval, runs the probe, ends it after the timeout ("Health check exceeded timeout (30s)"),
 * feeds the result to applyProbeResult, and so on until stop(). One probe at a time.
 */
export class HealthMonitor {
  private stopped = false;
  private cancelTimer?: () => void;
  private probing?: AbortController;
  private state: HealthState;
  private readonly clock: HealthClock;
  /** Settles when the probe in flight (if any) has ended. */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly o: HealthMonitorOptions) {
    this.state = o.state;
    this.clock = o.clock ?? REAL_CLOCK;
  }

  /** The state after the last result. */
  current(): HealthState {
    return this.state;
  }

  /** Schedules the first probe; idempotent. */
  start(): void {
    if (this.cancelTimer || this.probing || this.stopped) return;
    this.schedule();
  }

  /**
   * Ends the monitor: no more probes, and the one in flight is killed, its result dropped.
   * Resolves once that probe has ended. Idempotent.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.probing?.abort();
    return this.inFlight;
  }

  private schedule(): void {
    const since = this.clock.now() - this.o.startedAtMs;
    const delay = nextProbeDelayMs(this.o.config, this.state.Status, since);
    this.cancelTimer = this.clock.setTimer(() => {
      this.cancelTimer = undefined;
      // A throwing onResult must not leave a rejection unhandled (the checks go on, below).
      this.inFlight = this.probeOnce().catch(() => undefined);
    }, delay);
  }

  private async probeOnce(): Promise<void> {
    if (this.stopped) return;
    const ac = new AbortController();
    this.probing = ac;
    const startMs = this.clock.now();
    const outcome = await this.runProbe(ac);
    this.probing = undefined;
    if (this.stopped) return;
    const result: HealthcheckResult = {
      Start: new Date(startMs).toISOString(),
      End: new Date(this.clock.now()).toISOString(),
      ExitCode: outcome.exitCode,
      Output: outcome.output,
    };
    const prev = this.state.Status;
    this.state = applyProbeResult(this.state, result, {
      retries: this.o.config.retries,
      startPeriodMs: this.o.config.startPeriodMs,
      startedAtMs: this.o.startedAtMs,
    });
    try {
      this.o.onResult(this.state, this.state.Status !== prev);
    } finally {
      if (!this.stopped) this.schedule();
    }
  }

  /** One run with Docker's two deadlines: 30 s to start, then Timeout to finish. */
  private runProbe(ac: AbortController): Promise<ProbeOutcome> {
    const timeoutMs = this.o.config.timeoutMs;
    return new Promise<ProbeOutcome>((resolve) => {
      let settled = false;
      let timedOut = false;
      const finish = (o: ProbeOutcome) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(o);
      };
      let cancel = this.clock.setTimer(() => {
        ac.abort();
        finish({
          exitCode: -1,
          output: `timed out starting health check for container ${this.o.containerId ?? ''}`.trimEnd(),
        });
      }, PROBE_START_TIMEOUT_MS);
      let running = false;
      const started = () => {
        if (running || settled) return;
        running = true;
        cancel();
        cancel = this.clock.setTimer(() => {
          timedOut = true;
          ac.abort(); // the probe ends (killed) and resolves below with its output so far
        }, timeoutMs);
      };
      const timeoutText = (out: string) => {
        const msg = `Health check exceeded timeout (${formatGoDuration(timeoutMs)})`;
        return out ? `${msg}: ${out}` : msg;
      };
      this.o.probe({ signal: ac.signal, started }).then(
        (o) => finish(timedOut ? { exitCode: -1, output: timeoutText(o.output) } : o),
        (err: unknown) =>
          finish({ exitCode: -1, output: timedOut ? timeoutText('') : String((err as Error)?.message ?? err) }),
      );
    });
  }
}

/** Collects up to MAX_HEALTH_OUTPUT bytes; what comes after is dropped and String() ends in "...". */
export class LimitedOutput {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private truncated = false;

  write(data: Buffer): void {
    const keep = Math.min(MAX_HEALTH_OUTPUT - this.size, data.length);
    if (keep > 0) {
      this.parts.push(keep === data.length ? data : data.subarray(0, keep));
      this.size += keep;
    }
    if (keep < data.length) this.truncated = true;
  }

  toString(): string {
    const s = Buffer.concat(this.parts).toString('utf8');
    return this.truncated ? `${s}...` : s;
  }
}
