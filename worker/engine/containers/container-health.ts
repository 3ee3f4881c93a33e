import type { EventSink } from '../../../src/api';
import type { Logger } from '../../../src/util';
import type { ContainerRecord } from './container-record';
import type { ExecService } from './exec-service';
import { resolveHealthcheck } from './health-config';
import {
  HealthMonitor,
  LimitedOutput,
  startingHealth,
  type HealthClock,
  type HealthState,
  type ProbeRunner,
} from './health-monitor';

export interface ContainerHealthOptions {
  execs: Pick<ExecService, 'create' | 'claim' | 'run' | 'inspect' | 'forget'>;
  events: EventSink;
  /** Writes the record (a health status change is persisted; single results are not, as in Docker). */
  persist(r: ContainerRecord): void;
  logger: Logger;
  clock?: HealthClock;
  /** Replaces the exec-based probe (tests). */
  probe?: (r: ContainerRecord, cmd: string[]) => ProbeRunner;
}

/**
 * The health checks of a ContainerService's containers, as dockerd runs them: one monitor per
 * running container whose effective Config.Healthcheck runs a probe; each probe is an exec in
 * the container. It keeps State.Health in the record and publishes `health_status: <status>`
 * when the status changes. The container service calls started() when a container's process
 * starts (start, restart policy), adopt() when it re-adopts a running one (live restore), and
 * stopped() when it exits.
 */
export class ContainerHealth {
  private readonly monitors = new Map<string, HealthMonitor>();

  constructor(private readonly o: ContainerHealthOptions) {}

  /** The container's process (re)started: health starts over at `starting` (the log is kept). */
  started(r: ContainerRecord): void {
    this.end(r.Id);
    this.begin(r);
  }

  /** A running container re-adopted (daemon restart, containerd reconnect): a monitor if it has none. */
  adopt(r: ContainerRecord): void {
    if (!this.monitors.has(r.Id)) this.begin(r);
  }

  /**
   * The container stopped: its monitor ends and, as Docker shows a stopped container that was
   * checked, its status reads `unhealthy` (no event).
   */
  stopped(r: ContainerRecord): void {
    if (!this.end(r.Id)) return;
    if (r.State.Health) r.State.Health = { ...r.State.Health, Status: 'unhealthy' };
  }

  /** The daemon stops: every monitor ends, the states stay as they are (restore starts them again). */
  close(): void {
    for (const id of [...this.monitors.keys()]) this.end(id);
  }

  private begin(r: ContainerRecord): void {
    const shell = (r.Config as { Shell?: string[] | null }).Shell;
    const cfg = resolveHealthcheck(r.Config.Healthcheck, shell?.length ? shell : undefined);
    if (!cfg) return;
    const state = startingHealth(r.State.Health);
    r.State.Health = state;
    const m = new HealthMonitor({
      config: cfg,
      startedAtMs: Date.parse(r.State.StartedAt),
      state,
      containerId: r.Id,
      clock: this.o.clock,
      probe: this.o.probe ? this.o.probe(r, cfg.cmd) : this.execProbe(r, cfg.cmd),
      onResult: (s, changed) => this.onResult(r, m, s, changed),
    });
    this.monitors.set(r.Id, m);
    m.start();
  }

  /** Stops the container's monitor; false when there was none. */
  private end(id: string): boolean {
    const m = this.monitors.get(id);
    if (!m) return false;
    this.monitors.delete(id);
    void m.stop();
    return true;
  }

  private onResult(r: ContainerRecord, m: HealthMonitor, s: HealthState, changed: boolean): void {
    if (this.monitors.get(r.Id) !== m) return; // a result of a monitor ended meanwhile
    r.State.Health = s;
    if (!changed) return;
    try {
      this.o.persist(r);
    } catch (err) {
      this.o.logger.warn('could not write the health status', { id: r.Id, err });
    }
    this.o.logger.debug('health status changed', { id: r.Id, status: s.Status });
    this.o.events.publish('container', `health_status: ${s.Status}`, r.Id, {
      ...(r.Config.Labels ?? {}),
      image: r.Config.Image,
      name: r.Name.slice(1),
    });
  }

  /** The probe as Docker runs it: an exec of the command, stdout and stderr into one capped buffer. */
  private execProbe(r: ContainerRecord, cmd: string[]): ProbeRunner {
    const execs = this.o.execs;
    return async ({ signal, started }) => {
      if (!cmd.length) throw new Error(`healthcheck for container ${r.Id} has no command`);
      const { Id } = execs.create(r.Id, { AttachStdout: true, AttachStderr: true, Tty: false, Cmd: cmd });
      const out = new LimitedOutput();
      try {
        const start = execs.claim(Id, {});
        await execs.run(start, { write: (_stream, data) => out.write(data), signal, started });
        const code = execs.inspect(Id).ExitCode;
        if (typeof code !== 'number') throw new Error(`healthcheck for container ${r.Id} has no exit code`);
        return { exitCode: code, output: out.toString() };
      } finally {
        execs.forget(Id);
      }
    };
  }
}
