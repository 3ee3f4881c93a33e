/**
 * A slot: the live tasks (DesiredState new..running) that hold one replica of a replicated
 * service (one slot number) or the one task of a global service on one node. Usually one
 * task; two while a start-first update or a restart overlaps them.
 */
import type { TaskObject } from '../../src/api';

export interface Slot {
  /** The slot number (replicated) or the node ID (global). */
  readonly key: string;
  readonly slot?: number;
  readonly nodeId?: string;
  readonly tasks: TaskObject[];
}

/** Tasks sorted oldest first by Status.Timestamp, then CreatedAt (swarmkit's TasksByTimestamp). */
export function byTimestamp(a: TaskObject, b: TaskObject): number {
  const ta = a.Status.Timestamp ?? a.CreatedAt ?? '';
  const tb = b.Status.Timestamp ?? b.CreatedAt ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.CreatedAt ?? '') < (b.CreatedAt ?? '') ? -1 : (a.CreatedAt ?? '') > (b.CreatedAt ?? '') ? 1 : 0;
}
