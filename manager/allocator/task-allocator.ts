/**
 * TaskAllocator: swarmkit's allocator is the step between the orchestrators and the scheduler.
 * It gives each service its Endpoint (a VIP on each of its networks in vip mode, the ingress
 * network's too when it publishes ingress ports, dynamic published ports filled in), gives
 * each new task an address on each of its service's networks (NetworksAttachments, ingress
 * first), and only then moves the task from `new` to `pending` ("pending task scheduling"),
 * which is what the scheduler waits for. Tasks no longer wanted (DesiredState past running)
 * are left as they are (past complete for a job's tasks). A deleted task gives its addresses
 * back, a deleted service its VIPs and ports. Every node gets a load-balancer address on the
 * ingress network (the routing mesh's, Docker's ingress-sbox endpoint), kept in its Internal
 * fields and given back when the node is removed. What is taken is rebuilt from the store
 * whenever the loop starts (a new leader).
 */
import { TASK_STATES, type TaskObject } from '../../src/api';
import type { ObjectEvent, ReadTx, WatchFilter, WriteTx } from '../../src/store';
import { nodeIngressAddr, type StoredNode } from '../internal-fields';
import { ReconcileLoop, type ReconcileLoopOptions } from '../orchestrator';
import { NetworkAllocations } from './network-allocations';

export type TaskAllocatorOptions = ReconcileLoopOptions;

/** swarmkit's message for a task the allocator let through. */
export const PENDING_MESSAGE = 'pending task scheduling';

const COMPLETE = TASK_STATES.indexOf('complete');
/** Tasks per store.update. */
const BATCH = 500;

/** Whether the allocator has a task to move on. */
export function needsAllocation(t: TaskObject): boolean {
  return t.Status.State === 'new' && TASK_STATES.indexOf(t.DesiredState) <= COMPLETE;
}

export class TaskAllocator extends ReconcileLoop {
  private dirty = new Set<string>();
  private dirtyServices = new Set<string>();
  private dirtyNodes = new Set<string>();
  /** Every node lacking a load-balancer address needs one (the ingress network just came). */
  private allNodes = false;
  private nets = new NetworkAllocations();
  /** Services whose Endpoint could not be allocated (a port another holds): their tasks wait. */
  private blocked = new Set<string>();

  constructor(opts: TaskAllocatorOptions) {
    super('allocator', opts);
  }

  protected override watchFilter(): WatchFilter {
    return {
      kinds: ['task', 'service', 'network', 'node'],
      where: (ev) => {
        if (ev.kind === 'node') return ev.action === 'delete' || !nodeIngressAddr(ev.object);
        return ev.kind !== 'task' || ev.action === 'delete' || needsAllocation(ev.object);
      },
    };
  }

  protected override init(tx: ReadTx): void {
    this.nets = NetworkAllocations.fromView(tx);
    this.blocked.clear();
    for (const s of tx.find('service')) this.dirtyServices.add(s.ID);
    for (const t of tx.find('task', { where: needsAllocation })) this.dirty.add(t.ID);
    for (const n of tx.find('node')) if (!nodeIngressAddr(n)) this.dirtyNodes.add(n.ID);
  }

  protected override onEvent(ev: ObjectEvent): void {
    switch (ev.kind) {
      case 'network':
        if (ev.action === 'delete') this.nets.removeNetwork(ev.object.ID);
        else {
          this.nets.addNetwork(ev.object);
          // A new ingress network changes what every publishing service should have.
          if (ev.object.Spec.Ingress) {
            for (const id of this.blocked) this.dirtyServices.add(id);
            this.allNodes = true;
          }
        }
        return;
      case 'node':
        if (ev.action === 'delete') {
          this.nets.releaseNode(ev.object);
          this.dirtyNodes.delete(ev.object.ID);
        } else this.dirtyNodes.add(ev.object.ID);
        return;
      case 'service':
        if (ev.action === 'delete') {
          this.nets.releaseService(ev.object);
          this.dirtyServices.delete(ev.object.ID);
          this.blocked.delete(ev.object.ID);
        } else this.dirtyServices.add(ev.object.ID);
        return;
      case 'task':
        if (ev.action === 'delete') {
          this.nets.releaseTask(ev.object);
          this.dirty.delete(ev.object.ID);
        } else this.dirty.add(ev.object.ID);
        return;
    }
  }

  protected override async reconcile(): Promise<void> {
    if (this.dirty.size === 0 && this.dirtyServices.size === 0 && this.dirtyNodes.size === 0 && !this.allNodes) return;
    const services = [...this.dirtyServices];
    const ids = [...this.dirty];
    const nodes = [...this.dirtyNodes];
    const allNodes = this.allNodes;
    this.allNodes = false;
    this.dirtyServices = new Set();
    this.dirty = new Set();
    this.dirtyNodes = new Set();
    try {
      if (nodes.length || allNodes)
        await this.store.update((tx) => this.allocateNodes(tx, allNodes ? tx.find('node').map((n) => n.ID) : nodes));
      if (services.length) await this.store.update((tx) => this.allocateServices(tx, services));
      for (let i = 0; i < ids.length; i += BATCH) {
        const chunk = ids.slice(i, i + BATCH);
        await this.store.update((tx) => this.allocateTasks(tx, chunk));
      }
    } catch (err) {
      // What this pass took may not have been written: start again from the store's truth.
      for (const id of services) this.dirtyServices.add(id);
      for (const id of ids) this.dirty.add(id);
      for (const id of nodes) this.dirtyNodes.add(id);
      this.allNodes ||= allNodes;
      this.store.view((tx) => this.init(tx));
      throw err;
    }
  }

  private allocateNodes(tx: WriteTx, ids: string[]): void {
    for (const id of ids) {
      const n = tx.get('node', id) as StoredNode | undefined;
      if (!n) continue;
      const addr = this.nets.allocateNode(n);
      if (!addr) continue;
      tx.update('node', {
        ...structuredClone(n),
        Internal: { ...(n.Internal ?? {}), ingressAddr: addr },
      } as StoredNode);
    }
  }

  private allocateServices(tx: WriteTx, ids: string[]): void {
    for (const id of ids) {
      const s = tx.get('service', id);
      if (!s) continue;
      try {
        const ep = this.nets.allocateService(s);
        this.blocked.delete(id);
        if (ep) tx.update('service', { ...structuredClone(s), Endpoint: ep });
      } catch (err) {
        this.blocked.add(id);
        this.log.warn('service endpoint not allocated', { service: id, err: (err as Error).message });
      }
    }
  }

  private allocateTasks(tx: WriteTx, ids: string[]): void {
    const ts = new Date(this.clock.now()).toISOString();
    for (const id of ids) {
      const t = tx.get('task', id);
      if (!t || !needsAllocation(t)) continue;
      if (this.blocked.has(t.ServiceID)) continue;
      const next = structuredClone(t) as TaskObject;
      if (!t.NetworksAttachments?.length) {
        const att = this.nets.allocateTask(t, tx.get('service', t.ServiceID));
        if (att.length) next.NetworksAttachments = att;
      }
      next.Status = { State: 'pending', Message: PENDING_MESSAGE, Timestamp: ts };
      tx.update('task', next);
    }
  }
}
