/**
 * applyPlan(): the apply half of a scheduling pass. Writes a Plan into the store, re-checking
 * each decision inside the transaction: a task that is gone or at another version than the
 * plan saw, or already on a node, is skipped; an assignment to a node that changed since the
 * decision (drained, removed, updated) is skipped too. Skipped and failed decisions are the
 * caller's to retry. Large plans go in several batches (the store bounds one batch's size).
 */
import type { TaskObject } from '../../src/api';
import { BatchTooLargeError, type MemoryStore, type WriteTx } from '../../src/store';
import type { Assignment, PendingDecision, Plan } from './plan';

export interface ApplyOptions {
  /** Clock for Status.Timestamp, ms. Default Date.now. */
  now?: () => number;
  /** Decisions per store.update. Default 1000; a batch the store finds too large is halved. */
  batchSize?: number;
}

export interface ApplyOutcome {
  /** Assignments written. */
  readonly applied: Assignment[];
  /** Assignments not written: the task or node changed, or the batch failed. */
  readonly notApplied: Assignment[];
  /** Pending decisions that changed a task (a new Err). */
  readonly pendingWritten: number;
  /** The first error a batch failed with (other than skips), for the caller's log. */
  readonly error?: unknown;
}

type Decision = { a: Assignment; p?: undefined } | { a?: undefined; p: PendingDecision };

export async function applyPlan(store: MemoryStore, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  const now = opts.now ?? Date.now;
  const size = Math.max(1, opts.batchSize ?? 1000);
  const all: Decision[] = [...plan.assignments.map((a) => ({ a })), ...plan.pending.map((p) => ({ p }))];
  const out = {
    applied: [] as Assignment[],
    notApplied: [] as Assignment[],
    pendingWritten: 0,
    error: undefined as unknown,
  };
  const run = async (batch: Decision[]): Promise<void> => {
    const time = new Date(now()).toISOString();
    try {
      const r = await store.update((tx) => writeBatch(tx, batch, time));
      out.applied.push(...r.applied);
      out.notApplied.push(...r.skipped);
      out.pendingWritten += r.pendingWritten;
    } catch (err) {
      if (err instanceof BatchTooLargeError && batch.length > 1) {
        const half = batch.length >> 1;
        await run(batch.slice(0, half));
        await run(batch.slice(half));
        return;
      }
      out.error ??= err;
      for (const d of batch) if (d.a) out.notApplied.push(d.a);
    }
  };
  for (let i = 0; i < all.length; i += size) await run(all.slice(i, i + size));
  return out;
}

function writeBatch(tx: WriteTx, batch: Decision[], time: string) {
  const applied: Assignment[] = [];
  const skipped: Assignment[] = [];
  let pendingWritten = 0;
  for (const d of batch) {
    if (d.a) {
      const a = d.a;
      const cur = tx.get('task', a.taskId);
      const node = tx.get('node', a.nodeId);
      const preassigned = cur?.NodeID === a.nodeId && cur.Status.State === 'pending';
      if (
        !cur ||
        cur.Version.Index !== a.taskVersion ||
        (cur.NodeID && !preassigned) ||
        !node ||
        node.Version.Index !== a.nodeVersion
      ) {
        skipped.push(a);
        continue;
      }
      const next: TaskObject = {
        ...cur,
        NodeID: a.nodeId,
        Status: { State: 'assigned', Timestamp: time, Message: a.message },
      };
      tx.update('task', next);
      applied.push(a);
    } else {
      const p = d.p;
      const cur = tx.get('task', p.taskId);
      if (!cur || cur.Version.Index !== p.taskVersion || cur.Status.State !== 'pending' || cur.Status.Err === p.err)
        continue;
      tx.update('task', { ...cur, Status: { ...cur.Status, Timestamp: time, Err: p.err } });
      pendingWritten++;
    }
  }
  return { applied, skipped, pendingWritten };
}
