/**
 * What watchers receive: one ObjectEvent per mutation, in commit order, then a CommitEvent
 * closing the batch, so a reconcile loop can mark things dirty on events and act once per
 * commit.
 */
import type { Kind, ObjectOf } from './kinds';

export type ObjectAction = 'create' | 'update' | 'delete';

export interface ObjectEventOf<K extends Kind> {
  readonly kind: K;
  readonly action: ObjectAction;
  /** The object after the change; for a delete, the object as it was. */
  readonly object: ObjectOf<K>;
  /** For an update, the object before it. */
  readonly oldObject?: ObjectOf<K>;
  /** The raft index of the batch. */
  readonly index: number;
}

/** An ObjectEvent of any kind; narrow on `kind`. */
export type ObjectEvent = { [K in Kind]: ObjectEventOf<K> }[Kind];

/** Closes a batch; `changes` counts the events of the batch this watcher received. */
export interface CommitEvent {
  readonly kind: 'commit';
  readonly action: 'commit';
  readonly index: number;
  readonly changes: number;
}

export type StoreEvent = ObjectEvent | CommitEvent;

export interface WatchFilter {
  /** Only these kinds (default: all). */
  kinds?: readonly Kind[];
  /** Only these actions (default: all). */
  actions?: readonly ObjectAction[];
  /** A last check on each event that passed the others. */
  where?: (ev: ObjectEvent) => boolean;
  /** Send a CommitEvent after each batch that sent at least one event. Default true. */
  commits?: boolean;
  /** Events the watcher may hold undelivered before it is closed with WatchOverflowError. Default: the store's watchQueueLimit. */
  queueLimit?: number;
}

export function matchesWatch(f: WatchFilter, ev: ObjectEvent): boolean {
  if (f.kinds && !f.kinds.includes(ev.kind)) return false;
  if (f.actions && !f.actions.includes(ev.action)) return false;
  return !f.where || f.where(ev);
}
