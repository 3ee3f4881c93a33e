/**
 * Writes the task statuses an agent reports (its `task-status` batches) into the store, as
 * swarmkit's dispatcher does with UpdateTaskStatus: only for tasks assigned to the reporting
 * node, and only forward (TASK_STATES order; a report that would move a task back is dropped,
 * since a later report already overtook it). One batch is one store.update; a batch that
 * loses a race with another write (SequenceConflictError) is recomputed and tried again.
 */
import { TASK_STATES, type TaskObject, type TaskState, type TaskStatus } from '../../src/api';
import type { TaskStatusReport } from '../../src/rpc';
import { SequenceConflictError, type MemoryStore, type ReadTx } from '../../src/store';
import { createLogger, type Logger } from '../../src/util';

export interface TaskStatusWriterOptions {
  store: MemoryStore;
  /** Tries of one batch before it is given up (lost races with other writers). Default 5. */
  maxAttempts?: number;
  logger?: Logger;
}

/** Why a report was not written. */
export type DropReason = 'invalid' | 'unknown task' | 'not this node' | 'backwards';

export interface TaskStatusOutcome {
  /** Tasks whose status was written. */
  readonly written: readonly string[];
  /** Reports that changed nothing (the same status again). */
  readonly unchanged: readonly string[];
  readonly dropped: readonly { readonly taskId: string; readonly reason: DropReason }[];
}

const rank = (s: TaskState) => TASK_STATES.indexOf(s);

/** The report's status with only TaskStatus's fields, or undefined when it is not one. */
export function cleanStatus(s: unknown): TaskStatus | undefined {
  if (!s || typeof s !== 'object') return undefined;
  const v = s as Record<string, unknown>;
  if (typeof v.State !== 'string' || !TASK_STATES.includes(v.State as TaskState)) return undefined;
  const out: TaskStatus = { State: v.State as TaskState };
  if (typeof v.Timestamp === 'string') out.Timestamp = v.Timestamp;
  if (typeof v.Message === 'string') out.Message = v.Message;
  if (typeof v.Err === 'string' && v.Err) out.Err = v.Err;
  if (v.ContainerStatus && typeof v.ContainerStatus === 'object')
    out.ContainerStatus = structuredClone(v.ContainerStatus) as TaskStatus['ContainerStatus'];
  if (v.PortStatus && typeof v.PortStatus === 'object')
    out.PortStatus = structuredClone(v.PortStatus) as TaskStatus['PortStatus'];
  return out;
}

/**
 * Decides each report against the view: the task objects to write and the outcome. Pure.
 * Of several reports for one task in a batch the last one counts.
 */
export function planTaskStatus(
  tx: ReadTx,
  nodeId: string,
  reports: readonly TaskStatusReport[],
): { writes: TaskObject[]; outcome: TaskStatusOutcome } {
  const last = new Map<string, unknown>();
  const dropped: { taskId: string; reason: DropReason }[] = [];
  for (const r of reports) {
    if (!r || typeof r.taskId !== 'string') dropped.push({ taskId: String(r?.taskId), reason: 'invalid' });
    else last.set(r.taskId, r.status);
  }
  const writes: TaskObject[] = [];
  const unchanged: string[] = [];
  for (const [taskId, raw] of last) {
    const status = cleanStatus(raw);
    const task = tx.get('task', taskId);
    if (!status) dropped.push({ taskId, reason: 'invalid' });
    else if (!task) dropped.push({ taskId, reason: 'unknown task' });
    else if (task.NodeID !== nodeId) dropped.push({ taskId, reason: 'not this node' });
    else if (rank(status.State) < rank(task.Status.State)) dropped.push({ taskId, reason: 'backwards' });
    else if (JSON.stringify(status) === JSON.stringify(task.Status)) unchanged.push(taskId);
    else writes.push({ ...structuredClone(task), Status: status });
  }
  return { writes, outcome: { written: writes.map((t) => t.ID), unchanged, dropped } };
}

/** The reports of one node that came while its previous batch was being written. */
interface QueuedBatch {
  reports: TaskStatusReport[];
  done: Promise<TaskStatusOutcome>;
}

export class TaskStatusWriter {
  /** Per node: the write in flight, and the batch that goes once it is done. */
  private readonly writing = new Map<string, Promise<unknown>>();
  private readonly queued = new Map<string, QueuedBatch>();
  private readonly log: Logger;

  constructor(private readonly o: TaskStatusWriterOptions) {
    this.log = o.logger ?? createLogger('dispatcher.status');
  }

  /**
   * Applies one batch of `nodeId`'s reports. Batches of one node are applied in the order
   * they came; those that arrive while one is being written go together in the next store
   * update (one raft entry instead of one each), and each of them resolves with that
   * update's outcome. Rejects only when the store does (no leader, closed) or the races persist.
   */
  apply(nodeId: string, reports: readonly TaskStatusReport[]): Promise<TaskStatusOutcome> {
    const waiting = this.queued.get(nodeId);
    if (waiting) {
      waiting.reports.push(...reports);
      return waiting.done;
    }
    const prev = this.writing.get(nodeId);
    if (!prev) return this.run(nodeId, Promise.resolve(), [...reports]);
    const batch: QueuedBatch = { reports: [...reports], done: undefined as never };
    this.queued.set(nodeId, batch);
    batch.done = this.run(
      nodeId,
      prev.then(() => {
        if (this.queued.get(nodeId) === batch) this.queued.delete(nodeId);
      }),
      batch.reports,
    );
    return batch.done;
  }

  /** Writes `reports` after `after`; the node's current write until it settles. */
  private run(nodeId: string, after: Promise<unknown>, reports: TaskStatusReport[]): Promise<TaskStatusOutcome> {
    const run = after.then(() => this.write(nodeId, reports));
    const settled = run.catch(() => undefined);
    this.writing.set(nodeId, settled);
    void settled.then(() => {
      if (this.writing.get(nodeId) === settled) this.writing.delete(nodeId);
    });
    return run;
  }

  private async write(nodeId: string, reports: readonly TaskStatusReport[]): Promise<TaskStatusOutcome> {
    const max = this.o.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.o.store.update((tx) => {
          const { writes, outcome } = planTaskStatus(tx, nodeId, reports);
          for (const t of writes) tx.update('task', t);
          return outcome;
        });
        if (outcome.dropped.length)
          this.log.debug('task status reports dropped', { node: nodeId, dropped: outcome.dropped });
        return outcome;
      } catch (err) {
        if (!(err instanceof SequenceConflictError) || attempt >= max) throw err;
      }
    }
  }
}
