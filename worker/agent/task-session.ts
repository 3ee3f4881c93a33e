/**
 * The agent's half of the task messages: the dispatcher's `assignments` go into the task
 * manager's setAssignments, and the task manager's status batches go out as `task-status`.
 * While no session is up the batches are not kept: each new session starts with every task's
 * current status (statuses()), which says all they would have said.
 */
import type { ConfigObject, SecretObject } from '../../src/api';
import type {
  AssignmentChange,
  AssignmentsMessage,
  NetworkView,
  TaskAssignment,
  TaskStatusMessage,
  TaskStatusReport,
} from '../../src/rpc';
import { createLogger, type Logger } from '../../src/util';

/** What the bridge needs of the TaskManager (worker/agent/tasks). */
export interface SessionTasks {
  setAssignments(
    tasks: readonly TaskAssignment[],
    secrets: readonly SecretObject[],
    configs: readonly ConfigObject[],
  ): void;
  onStatus(cb: (updates: TaskStatusReport[]) => void): () => void;
  statuses(): TaskStatusReport[];
  /** The latest view of each overlay network the node's tasks attach to (after every assignments message). */
  setNetworks?(views: readonly NetworkView[]): void;
}

export interface TaskSessionOptions {
  tasks: SessionTasks;
  /** Sends one message on the open session. */
  send(msg: TaskStatusMessage): void;
  logger?: Logger;
}

export class TaskSession {
  private readonly tasks = new Map<string, TaskAssignment>();
  private readonly secrets = new Map<string, SecretObject>();
  private readonly configs = new Map<string, ConfigObject>();
  private readonly networks = new Map<string, NetworkView>();
  private unsubscribe: (() => void) | undefined;
  private up = false;
  private readonly log: Logger;

  constructor(private readonly o: TaskSessionOptions) {
    this.log = o.logger ?? createLogger('agent.tasks');
  }

  /** Follows the task manager's status batches. Idempotent. */
  start(): void {
    this.unsubscribe ??= this.o.tasks.onStatus((updates) => {
      if (this.up && updates.length) this.o.send({ type: 'task-status', updates });
    });
  }

  /** Stops following. Idempotent. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.up = false;
  }

  /** A session is open (the dispatcher said `session`): it hears every task's status first. */
  connected(): void {
    this.up = true;
    const all = this.o.tasks.statuses();
    if (all.length) this.o.send({ type: 'task-status', updates: all });
  }

  /** The session closed: batches wait for the next one (as full statuses). */
  disconnected(): void {
    this.up = false;
  }

  /**
   * Takes a dispatcher message; returns whether it was one of this bridge's. A full set
   * replaces what the node had; changes apply to it. Either way the task manager gets the
   * whole resulting set.
   */
  onMessage(msg: { type: string }): boolean {
    if (msg.type !== 'assignments') return false;
    const m = msg as AssignmentsMessage;
    if (m.full) {
      this.tasks.clear();
      this.secrets.clear();
      this.configs.clear();
      this.networks.clear();
    }
    for (const c of m.changes ?? []) this.applyChange(c);
    try {
      // Views first: a task that starts now finds its network's peers and names already there.
      this.o.tasks.setNetworks?.([...this.networks.values()]);
      this.o.tasks.setAssignments([...this.tasks.values()], [...this.secrets.values()], [...this.configs.values()]);
    } catch (err) {
      // The task manager is not started (the daemon is stopping): the next session resends the set.
      this.log.warn('assignments not taken', { err: (err as Error).message });
    }
    return true;
  }

  private applyChange(c: AssignmentChange): void {
    const a = c.assignment;
    if (!a) return;
    if (a.kind === 'network') return this.applyView(c.action, a.network);
    const [map, item] =
      a.kind === 'task'
        ? [this.tasks as Map<string, unknown>, a.task]
        : a.kind === 'secret'
          ? [this.secrets as Map<string, unknown>, a.secret]
          : [this.configs as Map<string, unknown>, a.config];
    if (!item?.ID) return;
    if (c.action === 'remove') map.delete(item.ID);
    else map.set(item.ID, item);
  }

  /** A view replaces the last of its network unless it is older (a lower Version). */
  private applyView(action: AssignmentChange['action'], view: NetworkView): void {
    if (!view?.ID) return;
    if (action === 'remove') {
      this.networks.delete(view.ID);
      return;
    }
    const last = this.networks.get(view.ID);
    if (last && last.Version > view.Version) return;
    this.networks.set(view.ID, view);
  }
}
