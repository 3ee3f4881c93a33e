/**
 * WriteTx: what a `store.update` callback gets. Reads see the store as of the call plus this
 * transaction's own writes. create/update/delete check what they can right away (a missing
 * object, a stale version, a taken name) and throw, so the callback can react; the same
 * checks run again when the batch is applied, where they decide.
 */
import type { ObjectMeta } from '../api';
import type { Mutation } from './batch-codec';
import { deepFreeze } from './deep-freeze';
import { jsonCopy } from './json-copy';
import { NameConflictError, ObjectExistsError, ObjectNotFoundError, SequenceConflictError } from './errors';
import { matchesFilter, type FindFilter } from './find-filter';
import { nameKey, nameOf, UNIQUE_NAME_KINDS, type AnyObject, type Kind, type ObjectOf } from './kinds';
import { lookupObject } from './lookup';
import { newObjectId } from './object-id';
import { checkKind, type ReadTx } from './read-tx';
import { stampObject } from './stamp-object';
import { checkId, checkObject, versionOf } from './validate-object';

/** An object to create: the store fills Version and the times; ID is generated when absent. */
export type NewObject<K extends Kind> = Omit<ObjectOf<K>, keyof ObjectMeta> & Partial<ObjectMeta>;

export interface WriteTx extends ReadTx {
  /** Adds a create; returns the object as this transaction now reads it (Version.Index 0 until committed). */
  create<K extends Kind>(kind: K, obj: NewObject<K>): ObjectOf<K>;
  /** Adds an update of an object read at obj.Version.Index; a newer version at apply time is a SequenceConflictError. */
  update<K extends Kind>(kind: K, obj: ObjectOf<K>): ObjectOf<K>;
  /** Adds a delete; with `expectedVersion`, a newer version at apply time is a SequenceConflictError. */
  delete(kind: Kind, id: string, expectedVersion?: number): void;
}

export class BatchWriteTx implements WriteTx {
  readonly mutations: Mutation[] = [];
  private readonly overlay = new Map<Kind, Map<string, AnyObject | null>>();

  constructor(private readonly base: ReadTx) {}

  get index(): number {
    return this.base.index;
  }

  get<K extends Kind>(kind: K, id: string): ObjectOf<K> | undefined {
    const o = this.overlay.get(kind);
    if (o?.has(id)) return (o.get(id) ?? undefined) as ObjectOf<K> | undefined;
    return this.base.get(kind, id);
  }

  find<K extends Kind>(kind: K, filter: FindFilter<K> = {}): ObjectOf<K>[] {
    const base = this.base.find(kind, filter);
    const o = this.overlay.get(kind);
    if (!o) return base;
    const out = base.filter((x) => !o.has(x.ID));
    for (const x of o.values()) if (x && matchesFilter(kind, x, filter)) out.push(x as ObjectOf<K>);
    return out;
  }

  lookup<K extends Kind>(kind: K, ref: string): ObjectOf<K> {
    return lookupObject(this, kind, ref);
  }

  create<K extends Kind>(kind: K, obj: NewObject<K>): ObjectOf<K> {
    checkKind(kind);
    checkObject(kind, obj);
    const id = obj.ID ?? newObjectId();
    checkId(kind, id);
    if (this.get(kind, id)) throw new ObjectExistsError(kind, id);
    const plain = jsonCopy({ ...obj, ID: id }) as AnyObject;
    this.checkName(kind, plain);
    delete (plain as Partial<AnyObject>).Version;
    delete (plain as Partial<AnyObject>).CreatedAt;
    delete (plain as Partial<AnyObject>).UpdatedAt;
    this.mutations.push({ op: 'create', kind, object: deepFreeze(plain) });
    return this.stage(kind, stampObject(plain, 0, '', '')) as ObjectOf<K>;
  }

  update<K extends Kind>(kind: K, obj: ObjectOf<K>): ObjectOf<K> {
    checkKind(kind);
    checkObject(kind, obj);
    checkId(kind, obj.ID);
    const expected = versionOf(kind, obj as unknown as Record<string, unknown>);
    const cur = this.get(kind, obj.ID);
    if (!cur) throw new ObjectNotFoundError(kind, obj.ID);
    if (cur.Version.Index !== expected) throw new SequenceConflictError(kind, obj.ID, expected, cur.Version.Index);
    const plain = jsonCopy(obj) as AnyObject;
    this.checkName(kind, plain);
    this.mutations.push({ op: 'update', kind, expected, object: deepFreeze(plain) });
    return this.stage(kind, stampObject(plain, expected, cur.CreatedAt, cur.UpdatedAt)) as ObjectOf<K>;
  }

  delete(kind: Kind, id: string, expectedVersion?: number): void {
    checkKind(kind);
    checkId(kind, id);
    const cur = this.get(kind, id);
    if (!cur) throw new ObjectNotFoundError(kind, id);
    if (expectedVersion !== undefined && cur.Version.Index !== expectedVersion)
      throw new SequenceConflictError(kind, id, expectedVersion, cur.Version.Index);
    this.mutations.push({ op: 'delete', kind, id, expected: expectedVersion ?? null });
    this.stage(kind, null, id);
  }

  private stage(kind: Kind, obj: AnyObject | null, id = obj!.ID): AnyObject | null {
    let o = this.overlay.get(kind);
    if (!o) this.overlay.set(kind, (o = new Map()));
    o.set(id, obj);
    return obj;
  }

  private checkName(kind: Kind, obj: AnyObject): void {
    if (!UNIQUE_NAME_KINDS.has(kind)) return;
    const n = nameOf(kind, obj);
    if (n === undefined) return;
    const key = nameKey(n);
    if (this.find(kind, { name: n }).some((x) => x.ID !== obj.ID && nameKey(nameOf(kind, x)!) === key))
      throw new NameConflictError(kind, n);
  }
}
