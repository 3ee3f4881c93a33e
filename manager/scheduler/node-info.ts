/**
 * NodeInfo: the scheduler's running account of one node: the node object, the tasks placed on
 * it (what each reserves and which host ports it holds), active task counts in total and per
 * service, resources still free, and recent failures per service. Kept up to date from store
 * events and from the scheduler's own placements, never by rescanning the store.
 */
import type { NodeObject } from '../../src/api';

/** Window in which failures of a service on a node count (swarmkit's monitorFailures). */
export const FAILURE_WINDOW_MS = 5 * 60 * 1000;
/** Failures within the window after which the node is tried last for that service (swarmkit's maxFailures). */
export const MAX_FAILURES = 5;

/** What one task takes from a node. */
export interface TaskEntry {
  readonly serviceId: string;
  /** Desired to run: counts toward spread. */
  readonly active: boolean;
  readonly nanoCpus: number;
  readonly memoryBytes: number;
  readonly hostPorts: readonly string[];
}

export class NodeInfo {
  node: NodeObject;
  readonly tasks = new Map<string, TaskEntry>();
  activeTasksCount = 0;
  readonly activeByService = new Map<string, number>();
  availableNanoCpus = 0;
  availableMemoryBytes = 0;
  readonly usedHostPorts = new Set<string>();
  private readonly failures = new Map<string, number[]>();
  /**
   * The ranking inputs of the group being placed (see node-order.ts): its service's active
   * tasks here and the failure tier. A field read is what the hot comparison can afford;
   * a Map lookup per comparison is not.
   */
  rankServiceTasks = 0;
  rankFailureTier = 0;

  constructor(node: NodeObject) {
    this.node = node;
    this.setNode(node);
  }

  get id(): string {
    return this.node.ID;
  }

  /** Replaces the node object; free resources are its description's minus what the tasks reserve. */
  setNode(node: NodeObject): void {
    this.node = node;
    let cpu = node.Description?.Resources?.NanoCPUs ?? 0;
    let mem = node.Description?.Resources?.MemoryBytes ?? 0;
    for (const e of this.tasks.values()) {
      cpu -= e.nanoCpus;
      mem -= e.memoryBytes;
    }
    this.availableNanoCpus = cpu;
    this.availableMemoryBytes = mem;
  }

  /** Active tasks of `serviceId` on this node. */
  serviceTasks(serviceId: string): number {
    return this.activeByService.get(serviceId) ?? 0;
  }

  /**
   * Records a task on the node. A task already here only changes its active flag (its
   * reservation stays as first recorded). Returns whether anything changed.
   */
  addTask(id: string, e: TaskEntry): boolean {
    const old = this.tasks.get(id);
    if (old) {
      if (old.active === e.active) return false;
      this.tasks.set(id, { ...old, active: e.active });
      this.count(e.serviceId, e.active ? 1 : -1);
      return true;
    }
    this.tasks.set(id, e);
    this.availableNanoCpus -= e.nanoCpus;
    this.availableMemoryBytes -= e.memoryBytes;
    for (const p of e.hostPorts) this.usedHostPorts.add(p);
    if (e.active) this.count(e.serviceId, 1);
    return true;
  }

  /** Forgets a task, giving back what it reserved. Returns whether it was here. */
  removeTask(id: string): boolean {
    const e = this.tasks.get(id);
    if (!e) return false;
    this.tasks.delete(id);
    this.availableNanoCpus += e.nanoCpus;
    this.availableMemoryBytes += e.memoryBytes;
    for (const p of e.hostPorts) this.usedHostPorts.delete(p);
    if (e.active) this.count(e.serviceId, -1);
    return true;
  }

  /** Notes a failure (or rejection) of a task of `serviceId` here at `nowMs`. */
  taskFailed(serviceId: string, nowMs: number): void {
    for (const [svc, times] of this.failures)
      if (times.length === 0 || nowMs - times[times.length - 1]! >= FAILURE_WINDOW_MS) this.failures.delete(svc);
    const times = (this.failures.get(serviceId) ?? []).filter((t) => nowMs - t < FAILURE_WINDOW_MS);
    times.push(nowMs);
    this.failures.set(serviceId, times);
  }

  /** Failures of `serviceId` here in the window before `nowMs`. */
  recentFailures(serviceId: string, nowMs: number): number {
    if (this.failures.size === 0) return 0;
    const times = this.failures.get(serviceId);
    if (!times) return 0;
    let n = 0;
    for (let i = times.length - 1; i >= 0 && nowMs - times[i]! <= FAILURE_WINDOW_MS; i--) n++;
    return n;
  }

  private count(serviceId: string, d: number): void {
    this.activeTasksCount += d;
    const n = (this.activeByService.get(serviceId) ?? 0) + d;
    if (n === 0) this.activeByService.delete(serviceId);
    else this.activeByService.set(serviceId, n);
  }
}
