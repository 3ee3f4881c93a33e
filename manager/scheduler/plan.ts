/**
 * A Plan: what one scheduling pass decided, before anything is written. Each decision names
 * the task version it was made from, so the applier can skip a task that changed meanwhile.
 */

/** Put task `taskId` (as of `taskVersion`) on node `nodeId` (as of `nodeVersion`). */
export interface Assignment {
  readonly taskId: string;
  readonly taskVersion: number;
  readonly serviceId: string;
  readonly nodeId: string;
  readonly nodeVersion: number;
  /** Status.Message to write: "scheduler assigned task to node", or the preassigned confirmation. */
  readonly message: string;
}

/** Leave task `taskId` pending, with `err` as its Status.Err. */
export interface PendingDecision {
  readonly taskId: string;
  readonly taskVersion: number;
  /** "no suitable node (<reasons>)", or the bare reasons for a preassigned task that does not fit. */
  readonly err: string;
}

export interface Plan {
  readonly assignments: Assignment[];
  readonly pending: PendingDecision[];
}

export const ASSIGNED_MESSAGE = 'scheduler assigned task to node';
export const PREASSIGNED_MESSAGE = 'scheduler confirmed task can run on preassigned node';
