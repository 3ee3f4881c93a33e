/**
 * ReadTx: a consistent read-only view of the store. A view is valid only during the
 * synchronous `store.view` (or `store.update`) callback that received it: nothing is applied
 * while that callback runs, and using the view afterwards throws. Objects returned are frozen
 * and shared; copy one (structuredClone) before changing it.
 */
import { InvalidObjectError } from './errors';
import { findInTable, type FindFilter } from './find-filter';
import { isKind, type Kind, type ObjectOf } from './kinds';
import { lookupObject } from './lookup';
import type { ObjectTable } from './object-table';

export interface ReadTx {
  /** The raft index of the last entry the view includes. */
  readonly index: number;
  get<K extends Kind>(kind: K, id: string): ObjectOf<K> | undefined;
  /** Objects of `kind` passing `filter` (all of them without one). */
  find<K extends Kind>(kind: K, filter?: FindFilter<K>): ObjectOf<K>[];
  /**
   * Docker's lookup of a user's reference: full ID, then exact name, then unique ID prefix.
   * Throws ObjectNotFoundError ("service x not found") or AmbiguousReferenceError
   * ("service x is ambiguous (2 matches found)").
   */
  lookup<K extends Kind>(kind: K, ref: string): ObjectOf<K>;
}

export function checkKind(kind: unknown): asserts kind is Kind {
  if (!isKind(kind)) throw new InvalidObjectError(`store: unknown object kind ${JSON.stringify(kind)}`);
}

/** A ReadTx straight over the tables. */
export class TableReadTx implements ReadTx {
  private open = true;

  constructor(
    private readonly tables: ReadonlyMap<Kind, ObjectTable>,
    readonly index: number,
  ) {}

  get<K extends Kind>(kind: K, id: string): ObjectOf<K> | undefined {
    return this.table(kind).get(id) as ObjectOf<K> | undefined;
  }

  find<K extends Kind>(kind: K, filter?: FindFilter<K>): ObjectOf<K>[] {
    return findInTable(this.table(kind), filter) as ObjectOf<K>[];
  }

  lookup<K extends Kind>(kind: K, ref: string): ObjectOf<K> {
    return lookupObject(this, kind, ref);
  }

  /** Ends the view; later reads throw. */
  close(): void {
    this.open = false;
  }

  private table(kind: Kind): ObjectTable {
    if (!this.open) throw new InvalidObjectError('store: a view was used after its callback returned');
    checkKind(kind);
    return this.tables.get(kind)!;
  }
}
