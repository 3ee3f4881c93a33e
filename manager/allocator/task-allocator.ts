/**
 * TaskAllocator: swarmkit's allocator is the step between the orchestrators and the scheduler:
 * it gives a new task its network resources (overlay addresses, service VIPs, ingress ports),
 * then moves it from `new` to `pending` ("pending task scheduling"), which is what the
 * scheduler waits for. Nothing here allocates networks yet, so a task has nothing to wait for
 * and goes to pending at once; network allocation, when it comes, belongs in this pass, before
 * the move. Tasks no longer wanted (DesiredState past running, or past complete for a job's
 * tasks) are left as they are.
 */
import { TASK_STATES, type TaskObject } from '../../src/api';
import type { ObjectEvent, ReadTx, WatchFilter } from '../../src/store';
import { ReconcileLoop, type ReconcileLoopOptions } from '../orchestrator';

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

  constructor(opts: TaskAllocatorOptions) {
    super('allocator', opts);
  }

  protected override watchFilter(): WatchFilter {
    return { kinds: ['task'], actions: ['create', 'update'], where: (ev) => needsAllocation(ev.object as TaskObject) };
  }

  protected override init(tx: ReadTx): void {
    for (const t of tx.find('task', { where: needsAllocation })) this.dirty.add(t.ID);
  }

  protected override onEvent(ev: ObjectEvent): void {
    if (ev.kind === 'task') this.dirty.add(ev.object.ID);
  }

  protected override async reconcile(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty = new Set();
    const ts = new Date(this.clock.now()).toISOString();
    // Batches of BATCH keep each raft entry well under the store's batch size limit.
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      try {
        await this.store.update((tx) => {
          for (const id of chunk) {
            const t = tx.get('task', id);
            if (!t || !needsAllocation(t)) continue;
            tx.update('task', {
              ...structuredClone(t),
              Status: { State: 'pending', Message: PENDING_MESSAGE, Timestamp: ts },
            });
          }
        });
      } catch (err) {
        for (const id of ids.slice(i)) this.dirty.add(id);
        throw err;
      }
    }
  }
}
