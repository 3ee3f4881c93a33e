/**
 * A store with the orchestrators running on a fake clock, plus stand-ins for the components
 * that are not here: a "scheduler" that gives unassigned tasks a node, and "agents" that move
 * task Status towards DesiredState.
 */
import type { NodeObject, ServiceObject, ServiceSpec, TaskObject, TaskState } from '../../../src/api';
import { MemoryStore } from '../../../src/store';
import {
  ConstraintEnforcer,
  GlobalJobOrchestrator,
  GlobalOrchestrator,
  ReplicatedJobOrchestrator,
  ReplicatedOrchestrator,
  TaskReaper,
  type ReconcileLoop,
} from '../../../manager/orchestrator';
import { FakeClock } from './fake-clock';

export type Component = 'replicated' | 'global' | 'replicated-job' | 'global-job' | 'reaper' | 'enforcer';

const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return quiet;
  },
};

export class Harness {
  readonly clock = new FakeClock();
  readonly store = new MemoryStore({ now: () => this.clock.now() });
  components: ReconcileLoop[] = [];
  private rr = 0;

  constructor(readonly which: readonly Component[] = ['replicated', 'global', 'reaper', 'enforcer']) {}

  start(): this {
    const opts = { store: this.store, clock: this.clock, logger: quiet };
    this.components = this.which.map((c) => {
      switch (c) {
        case 'replicated':
          return new ReplicatedOrchestrator(opts);
        case 'global':
          return new GlobalOrchestrator(opts);
        case 'replicated-job':
          return new ReplicatedJobOrchestrator(opts);
        case 'global-job':
          return new GlobalJobOrchestrator(opts);
        case 'reaper':
          return new TaskReaper(opts);
        case 'enforcer':
          return new ConstraintEnforcer(opts);
      }
    });
    for (const c of this.components) c.start();
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.components) await c.stop();
  }

  /** New components on the same store (a manager restart, or a new leader). */
  async restart(between?: () => Promise<void>): Promise<void> {
    await this.stop();
    await between?.();
    this.start();
    await this.settle();
  }

  /** Waits until every component has nothing left to do. */
  async settle(): Promise<void> {
    for (let i = 0; i < 2; i++) for (const c of this.components) await c.settled();
  }

  /** Advances the fake clock, then settles. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  async addNode(
    id: string,
    opts: Partial<{
      labels: Record<string, string>;
      role: 'worker' | 'manager';
      state: NodeObject['Status']['State'];
    }> = {},
  ): Promise<void> {
    await this.store.update((tx) =>
      tx.create('node', {
        ID: id,
        Spec: { Role: opts.role ?? 'worker', Availability: 'active', Labels: opts.labels ?? {} },
        Description: { Hostname: id, Platform: { OS: 'linux', Architecture: 'x86_64' } },
        Status: { State: opts.state ?? 'ready' },
      }),
    );
    await this.settle();
  }

  async editNode(id: string, fn: (n: NodeObject) => void): Promise<void> {
    await this.store.update((tx) => {
      const n = structuredClone(tx.get('node', id)!);
      fn(n);
      tx.update('node', n);
    });
    await this.settle();
  }

  async createService(spec: Partial<ServiceSpec> & { Name: string }, id = spec.Name): Promise<string> {
    const full: ServiceSpec = {
      TaskTemplate: { ContainerSpec: { Image: 'busybox:1' } },
      Mode: { Replicated: { Replicas: 1 } },
      ...spec,
    };
    const job = full.Mode?.ReplicatedJob || full.Mode?.GlobalJob;
    const JobStatus = job
      ? { JobIteration: { Index: 0 }, LastExecution: new Date(this.clock.now()).toISOString() }
      : undefined;
    await this.store.update((tx) => tx.create('service', { ID: id, Spec: full, ...(JobStatus ? { JobStatus } : {}) }));
    await this.settle();
    return id;
  }

  /**
   * Changes the spec as the control API does: PreviousSpec keeps the old one, UpdateStatus is
   * cleared, a job's JobIteration moves on.
   */
  async updateService(id: string, fn: (s: ServiceSpec) => void): Promise<void> {
    await this.store.update((tx) => {
      const s = structuredClone(tx.get('service', id)!);
      s.PreviousSpec = structuredClone(s.Spec);
      fn(s.Spec);
      delete s.UpdateStatus;
      if (s.JobStatus)
        s.JobStatus = {
          JobIteration: { Index: s.JobStatus.JobIteration.Index + 1 },
          LastExecution: new Date(this.clock.now()).toISOString(),
        };
      tx.update('service', s);
    });
    await this.settle();
  }

  service(id: string): ServiceObject {
    return this.store.view((tx) => tx.get('service', id))!;
  }

  tasks(serviceId?: string): TaskObject[] {
    return this.store.view((tx) => tx.find('task', serviceId ? { serviceId } : {}));
  }

  /** Live tasks (desired running or about to be) by slot/node, sorted. */
  live(serviceId: string): TaskObject[] {
    return this.tasks(serviceId)
      .filter((t) =>
        ['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'].includes(
          t.DesiredState,
        ),
      )
      .sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || (a.NodeID ?? '').localeCompare(b.NodeID ?? ''));
  }

  /** Reports every running task of `serviceId` as ended: complete, or failed where `fail` says. */
  async finish(serviceId: string, fail: (t: TaskObject) => boolean = () => false): Promise<void> {
    await this.store.update((tx) => {
      for (const t0 of tx.find('task', { serviceId })) {
        if (t0.Status.State !== 'running') continue;
        const t = structuredClone(t0);
        const ts = new Date(this.clock.now()).toISOString();
        t.Status = fail(t)
          ? { State: 'failed', Timestamp: ts, Message: 'started', Err: 'task: non-zero exit (1)' }
          : { State: 'complete', Timestamp: ts, Message: 'finished' };
        tx.update('task', t);
      }
    });
    await this.settle();
  }

  /** Sets a task's observed state, as its agent would report it. */
  async setState(taskId: string, state: TaskState): Promise<void> {
    await this.store.update((tx) => {
      const t = structuredClone(tx.get('task', taskId)!);
      t.Status = { ...t.Status, State: state, Timestamp: new Date(this.clock.now()).toISOString(), Message: state };
      tx.update('task', t);
    });
    await this.settle();
  }

  /**
   * One round of scheduler and agents: unassigned live tasks get a node (round robin over
   * ready active nodes); tasks desired running (or complete: a job's) become running (or
   * `fail` says failed); tasks desired stopped that still run report shutdown.
   */
  async agents(
    opts: { fail?: (t: TaskObject) => boolean; nodes?: string[]; stopOnly?: boolean; runOnly?: boolean } = {},
  ): Promise<void> {
    await this.store.update((tx) => {
      const nodes =
        opts.nodes ??
        tx
          .find('node', { where: (n) => n.Status.State === 'ready' && n.Spec.Availability === 'active' })
          .map((n) => n.ID)
          .sort();
      for (const t0 of tx.find('task')) {
        const t = structuredClone(t0);
        let changed = false;
        const ts = new Date(this.clock.now()).toISOString();
        const live = ['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'];
        const wanted = [...live, 'complete'];
        if (!t.NodeID && wanted.includes(t.DesiredState) && nodes.length > 0) {
          t.NodeID = nodes[this.rr++ % nodes.length];
          t.Status = { State: 'assigned', Timestamp: ts, Message: 'scheduler assigned task to node' };
          changed = true;
        }
        const st = t.Status.State;
        const running = live.includes(st);
        const up = t.DesiredState === 'running' || t.DesiredState === 'complete';
        if (!opts.stopOnly && up && t.NodeID && st !== 'running' && running) {
          t.Status = opts.fail?.(t)
            ? { State: 'failed', Timestamp: ts, Message: 'started', Err: 'exit 1' }
            : { State: 'running', Timestamp: ts, Message: 'started' };
          changed = true;
        } else if (!opts.runOnly && !wanted.includes(t.DesiredState) && running) {
          t.Status = { State: 'shutdown', Timestamp: ts, Message: 'shutdown' };
          changed = true;
        }
        if (changed) tx.update('task', t);
      }
    });
    await this.settle();
  }
}
