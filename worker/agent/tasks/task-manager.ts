import { UnavailableError, type ConfigObject, type SecretObject, type TaskStatus } from '../../../src/api';
import type { NetworkView } from '../../../src/rpc';
import { createLogger, type Logger } from '../../../src/util';
import type { AssignedTask } from './assigned-task';
import { TaskController, type TaskContainers, type TaskImages } from './task-controller';
import { TaskFiles, type TaskDependencies } from './task-files';
import { TaskHealthEvents, type EngineEventSource } from './task-health-events';
import type { TaskNetworks } from './task-networks';
import { TASK_ID_LABEL } from './task-labels';
import { TaskRunner } from './task-runner';

/** One task's new status, as the session sends it to the dispatcher. */
export interface TaskStatusUpdate {
  taskId: string;
  status: TaskStatus;
}

export interface TaskManagerOptions {
  containers: TaskContainers;
  images: TaskImages;
  /** This node's swarm ID. */
  nodeId: string;
  /** The daemon's data root (task files go under <dataRoot>/tasks). */
  dataRoot: string;
  /** How long status changes are gathered into one batch, ms; default 0 (one batch per event-loop turn). */
  batchMs?: number;
  /**
   * The engine's event stream, where the tasks' containers report their health: a task whose
   * container has a healthcheck runs once healthy and fails when unhealthy. Without it
   * healthchecks are not waited on.
   */
  events?: EngineEventSource;
  /** Overlay networks (the daemon's OverlaySandboxes); without it NetworksAttachments are not wired. */
  networks?: TaskNetworks;
  logger?: Logger;
}

/**
 * The tasks of this node. The session hands it the full set of the node's tasks
 * (setAssignments, idempotent); it runs each through a TaskRunner and TaskController and
 * reports their statuses in batches (onStatus). Tasks that leave the set are shut down and
 * removed. stop() leaves the containers running; the next start() re-adopts them, found by
 * their com.docker.swarm.task.id label, and reports what they are doing instead of making
 * them again.
 */
export class TaskManager {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly removing = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(updates: TaskStatusUpdate[]) => void>();
  private readonly pending = new Map<string, TaskStatus>();
  private deps: TaskDependencies = { secrets: new Map(), configs: new Map() };
  /** Task ids of containers found at start that no assignment has claimed yet. */
  private adoptable = new Set<string>();
  /** Re-wiring of the running containers found at start, until the first assignments' is done. */
  private adopting: Promise<void>[] | undefined;
  private flushTimer?: NodeJS.Timeout;
  private started = false;
  private readonly log: Logger;
  private readonly health?: TaskHealthEvents;

  constructor(private readonly o: TaskManagerOptions) {
    this.log = o.logger ?? createLogger('tasks');
    if (o.events) this.health = new TaskHealthEvents(o.events);
  }

  /** Finds the task containers an earlier run left; they are kept until setAssignments says otherwise. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const found = this.o.containers.list({ all: true, filters: { label: [TASK_ID_LABEL] } });
    this.adoptable = new Set(found.map((c) => (c.Labels as Record<string, string>)[TASK_ID_LABEL]));
    this.adopting = this.o.networks ? [] : undefined;
  }

  /** The latest view of each overlay network the node's tasks attach to. */
  setNetworks(views: readonly NetworkView[]): void {
    this.o.networks?.setViews(views, this.o.nodeId);
  }

  /**
   * The full set of tasks the managers assign to this node, with the secrets and configs they
   * reference. New tasks start, known ones take the new version (DesiredState changes), and
   * tasks not in the set are shut down and removed, containers found at start() included.
   */
  setAssignments(
    tasks: readonly AssignedTask[],
    secrets: readonly SecretObject[] = [],
    configs: readonly ConfigObject[] = [],
  ): void {
    if (!this.started) throw new UnavailableError('the task manager is not started');
    this.deps = { secrets: new Map(secrets.map((s) => [s.ID, s])), configs: new Map(configs.map((c) => [c.ID, c])) };
    const wanted = new Set(tasks.map((t) => t.ID));
    for (const task of tasks) {
      const r = this.runners.get(task.ID);
      if (r) r.update(task);
      else this.add(task);
    }
    for (const [id, r] of this.runners) {
      if (wanted.has(id)) continue;
      this.runners.delete(id);
      this.track(id, r.remove());
    }
    for (const id of this.adoptable) {
      if (wanted.has(id)) continue;
      this.track(id, this.removeOrphan(id));
    }
    this.adoptable.clear();
    const adopting = this.adopting;
    this.adopting = undefined;
    // What an earlier run wired for containers that are gone goes once the survivors are re-wired.
    if (adopting && this.o.networks)
      void Promise.all(adopting)
        .then(() => this.o.networks!.sweep())
        .catch((err) => this.log.warn('overlay sweep failed', { err }));
  }

  /** Calls cb with each batch of status changes; returns the function that unsubscribes. */
  onStatus(cb: (updates: TaskStatusUpdate[]) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** The status this node last reached for a task it runs. */
  statusOf(taskId: string): TaskStatus | undefined {
    return this.runners.get(taskId)?.current();
  }

  /** Every task this node runs, with its latest status (a session's resync after reconnecting). */
  statuses(): TaskStatusUpdate[] {
    return [...this.runners].map(([taskId, r]) => ({ taskId, status: r.current() }));
  }

  /** Resolves when the removals setAssignments began have finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.removing.size) await Promise.all(this.removing.values());
  }

  /** Stops the runners and pending batches; containers keep running. Idempotent. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const runners = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(runners.map((r) => r.stop()));
    await this.settled();
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending.clear();
  }

  private add(task: AssignedTask): void {
    this.adoptable.delete(task.ID);
    const ctlr = new TaskController(task, {
      containers: this.o.containers,
      images: this.o.images,
      nodeId: this.o.nodeId,
      dataRoot: this.o.dataRoot,
      dependencies: () => this.deps,
      health: this.health,
      networks: this.o.networks,
    });
    const adopt = ctlr
      .adoptNetworks()
      .catch((err) => this.log.warn('overlay re-wiring failed', { task: task.ID, err }));
    this.adopting?.push(adopt);
    const runner = new TaskRunner(task, ctlr, (s) => this.queue(task.ID, s), this.log);
    this.runners.set(task.ID, runner);
    runner.run();
  }

  /** A container left by an earlier run whose task is no longer assigned. */
  private async removeOrphan(taskId: string): Promise<void> {
    for (const c of this.o.containers.list({ all: true, filters: { label: [`${TASK_ID_LABEL}=${taskId}`] } }))
      await this.o.containers.remove(c.Id as string, { force: true });
    await new TaskFiles(this.o.dataRoot, taskId).remove();
  }

  private track(id: string, p: Promise<void>): void {
    const done = p
      .catch((err) => {
        this.log.warn('task removal failed; retried at the next assignments', { task: id, err });
        this.adoptable.add(id);
      })
      .finally(() => {
        if (this.removing.get(id) === done) this.removing.delete(id);
      });
    this.removing.set(id, done);
  }

  private queue(taskId: string, status: TaskStatus): void {
    if (!this.started) return;
    this.pending.set(taskId, status);
    this.flushTimer ??= setTimeout(() => this.flush(), this.o.batchMs ?? 0);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const updates = [...this.pending].map(([taskId, status]) => ({ taskId, status }));
    this.pending.clear();
    if (!updates.length) return;
    for (const cb of this.listeners) {
      try {
        cb(updates);
      } catch (err) {
        this.log.warn('task status listener threw', { err });
      }
    }
  }
}
