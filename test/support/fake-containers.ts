/**
 * An in-memory ContainerService for the TaskManager: containers start at once and run until
 * stopped; a test reports their health with setHealth(), which publishes the engine's event.
 */
import type { ContainerRecord, HealthStatus } from '../../worker/engine/containers';
import { EventBus } from '../../worker/events';

export class FakeContainers {
  records = new Map<string, ContainerRecord>();
  /** The engine's event stream (health_status events). */
  readonly events = new EventBus();
  creates = 0;
  private waiters = new Map<string, Array<() => void>>();
  private n = 0;
  async create(body: unknown, name?: string) {
    const b = body as { Labels: Record<string, string>; Healthcheck?: unknown };
    const Id = `c${++this.n}`;
    this.creates++;
    this.records.set(Id, {
      Id,
      Name: `/${name}`,
      Config: { Labels: b.Labels, ...(b.Healthcheck ? { Healthcheck: b.Healthcheck } : {}) },
      HostConfig: {},
      State: { Running: false, Restarting: false, Pid: 0, ExitCode: 0, StartedAt: '0001-01-01T00:00:00Z' },
    } as unknown as ContainerRecord);
    return { Id, Warnings: [] };
  }
  async start(id: string) {
    Object.assign(this.get(id).State, { Running: true, Pid: 100 + this.n, StartedAt: new Date().toISOString() });
  }
  async stop(id: string) {
    Object.assign(this.get(id).State, { Running: false, Pid: 0, ExitCode: 137 });
    for (const w of this.waiters.get(id)?.splice(0) ?? []) w();
  }
  wait(id: string) {
    const r = this.get(id);
    if (!r.State.Running) return Promise.resolve({ StatusCode: r.State.ExitCode });
    return new Promise<{ StatusCode: number }>((res) => {
      const ws = this.waiters.get(id) ?? [];
      ws.push(() => res({ StatusCode: r.State.ExitCode }));
      this.waiters.set(id, ws);
    });
  }
  async remove(id: string) {
    this.records.delete(id);
  }
  get(id: string): ContainerRecord {
    const r = this.records.get(id);
    if (!r) throw Object.assign(new Error(`No such container: ${id}`), { httpStatus: 404 });
    return r;
  }
  list(o: { filters?: Record<string, string[]> }) {
    const [k, v] = (o.filters?.label?.[0] ?? '').split('=');
    return [...this.records.values()]
      .filter((r) => !k || (v === undefined ? k in r.Config.Labels : r.Config.Labels[k] === v))
      .map((r) => ({ Id: r.Id, Labels: r.Config.Labels }));
  }
  /** The container's health changes as the engine's monitor would change it, with its event. */
  setHealth(id: string, status: HealthStatus): void {
    const r = this.get(id);
    r.State.Health = { Status: status, FailingStreak: status === 'unhealthy' ? 3 : 0, Log: [] };
    this.events.publish('container', `health_status: ${status}`, id, { name: r.Name.slice(1) });
  }
  names(): string[] {
    return [...this.records.values()].map((r) => r.Name.slice(1)).sort();
  }
}
