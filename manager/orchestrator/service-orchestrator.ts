/**
 * ServiceOrchestrator: what the replicated and global orchestrators share. It follows
 * services, tasks and nodes, marks the services an event touches, and reconciles them all
 * in one store.update per pass: restarts (RestartSupervisor), delayed starts, the mode's own
 * slot logic, then the rolling update (UpdateSupervisor). Tasks whose service is gone get
 * DesiredState remove (the task reaper deletes them once they stopped).
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../src/api';
import type { ObjectEvent, ReadTx, WatchFilter, WriteTx } from '../../src/store';
import { ReconcileLoop, type ReconcileLoopOptions } from './reconcile-loop';
import { RestartSupervisor } from './restart-supervisor';
import { isDesiredActive, isDesiredLive } from './task-state';
import { UpdateSupervisor } from './update-supervisor';

export type OrchestratorOptions = ReconcileLoopOptions;

export abstract class ServiceOrchestrator extends ReconcileLoop {
  protected readonly restarts: RestartSupervisor;
  protected readonly updates: UpdateSupervisor;
  private dirty = new Set<string>();

  constructor(name: string, opts: OrchestratorOptions) {
    super(name, opts);
    const onDue = (serviceId: string, ms: number) => this.wakeAfter(ms, () => this.dirty.add(serviceId));
    this.restarts = new RestartSupervisor({ now: () => this.clock.now(), onDue });
    this.updates = new UpdateSupervisor({ now: () => this.clock.now(), restarts: this.restarts, onDue });
  }

  /** Whether this orchestrator runs `service` (its mode). */
  protected abstract owns(service: ServiceObject): boolean;
  /** Brings one owned service's tasks to its spec, inside the pass's transaction. */
  protected abstract reconcileService(tx: WriteTx, service: ServiceObject): void;
  /** Services a node change concerns. */
  protected abstract servicesForNode(tx: ReadTx, node: NodeObject): Iterable<string>;

  protected override watchFilter(): WatchFilter {
    return { kinds: ['service', 'task', 'node', 'cluster'] };
  }

  protected override init(tx: ReadTx): void {
    for (const s of tx.find('service')) this.dirty.add(s.ID);
    // Tasks left behind by a service deleted while no orchestrator ran.
    for (const t of tx.find('task', { where: (t) => isDesiredActive(t.DesiredState) }))
      if (!tx.get('service', t.ServiceID)) this.dirty.add(t.ServiceID);
  }

  protected override onEvent(ev: ObjectEvent): void {
    switch (ev.kind) {
      case 'service':
        this.dirty.add(ev.object.ID);
        if (ev.action === 'delete') {
          this.restarts.forget(ev.object.ID);
          this.updates.forget(ev.object.ID);
        }
        break;
      case 'task':
        this.dirty.add(ev.object.ServiceID);
        break;
      case 'node':
        this.store.view((tx) => {
          for (const id of this.servicesForNode(tx, ev.object)) this.dirty.add(id);
        });
        break;
      case 'cluster':
        break;
    }
  }

  protected override onStop(): void {
    this.restarts.forget();
    this.updates.forget();
    this.dirty.clear();
  }

  protected override async reconcile(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty = new Set();
    try {
      await this.store.update((tx) => {
        for (const id of ids) {
          const service = tx.get('service', id);
          if (!service) this.removeTasksOf(tx, id);
          else if (this.owns(service)) this.reconcileService(tx, service);
        }
      });
    } catch (err) {
      for (const id of ids) this.dirty.add(id);
      throw err;
    }
  }

  /** Live tasks of a deleted service: DesiredState remove (shut down, then reaped). */
  private removeTasksOf(tx: WriteTx, serviceId: string): void {
    for (const t of tx.find('task', { serviceId })) {
      if (!isDesiredActive(t.DesiredState)) continue;
      const next = structuredClone(t);
      next.DesiredState = 'remove';
      tx.update('task', next);
    }
  }

  /** The live tasks among `tasks`. */
  protected static live(tasks: readonly TaskObject[]): TaskObject[] {
    return tasks.filter((t) => isDesiredLive(t.DesiredState));
  }
}
