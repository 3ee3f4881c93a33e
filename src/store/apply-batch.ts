/**
 * Applies one decoded batch to the tables, all or nothing. Phase one checks every mutation
 * against the tables plus the batch's earlier mutations and computes the new objects; phase
 * two writes them. A failing check throws before anything is written, so the tables never
 * hold part of a batch. Deterministic: the outcome depends only on the tables, the batch and
 * the index.
 */
import type { Batch } from './batch-codec';
import {
  NameConflictError,
  ObjectExistsError,
  ObjectNotFoundError,
  SequenceConflictError,
  UniqueKeyConflictError,
} from './errors';
import { nameKey, nameOf, UNIQUE_NAME_KINDS, type AnyObject, type Kind, type ObjectOf } from './kinds';
import type { ObjectTable } from './object-table';
import { stampObject } from './stamp-object';
import type { ObjectEvent } from './store-event';

interface Staged {
  kind: Kind;
  id: string;
  /** Version before this batch (0: did not exist); what the batch's mutations are checked against. */
  base: number;
  obj: AnyObject | null;
}

/**
 * What an object holds against the others of its kind: no two share a claim, and none claims
 * what another covers (covers may be shared). A network claims its subnet and covers every
 * subnet that contains it, so that neither a network inside it nor one around it can be made.
 */
export interface ObjectKeys {
  readonly claims: readonly string[];
  readonly covers?: readonly string[];
}

/** Per kind, the keys its objects hold besides the name. */
export type UniqueKeys = { [K in Kind]?: (obj: ObjectOf<K>) => ObjectKeys };

export function applyBatch(
  tables: ReadonlyMap<Kind, ObjectTable>,
  batch: Batch,
  index: number,
  uniqueKeys: UniqueKeys = {},
): ObjectEvent[] {
  const staged = new Map<string, Staged>();
  const events: ObjectEvent[] = [];
  const current = (kind: Kind, id: string): { obj: AnyObject | undefined; base: number } => {
    const s = staged.get(`${kind}\0${id}`);
    if (s) return { obj: s.obj ?? undefined, base: s.base };
    const obj = tables.get(kind)!.get(id);
    return { obj, base: obj ? obj.Version.Index : 0 };
  };
  const stage = (kind: Kind, id: string, base: number, obj: AnyObject | null) => {
    const key = `${kind}\0${id}`;
    const s = staged.get(key);
    if (s) s.obj = obj;
    else staged.set(key, { kind, id, base, obj });
  };
  const nameTaken = (kind: Kind, obj: AnyObject): boolean => {
    const n = nameOf(kind, obj);
    if (!UNIQUE_NAME_KINDS.has(kind) || n === undefined) return false;
    const key = nameKey(n);
    for (const id of tables.get(kind)!.idsByName(n)) {
      if (id === obj.ID) continue;
      const c = current(kind, id).obj;
      if (c && nameKey(nameOf(kind, c) ?? '') === key) return true;
    }
    for (const s of staged.values())
      if (s.kind === kind && s.id !== obj.ID && s.obj && nameKey(nameOf(kind, s.obj) ?? '') === key) return true;
    return false;
  };

  /**
   * A key `obj` gains (over `was`, its version before) that clashes with another object of its
   * kind, after the batch's earlier mutations: the other's claim (for a claim or a cover it
   * gains) or the other's cover (for a claim). Keys it had already are not checked again, so
   * that objects stored before a kind kept a key unique can still be updated.
   */
  const keyTaken = (kind: Kind, obj: AnyObject, was?: AnyObject): string | undefined => {
    const keysOf = uniqueKeys[kind] as ((o: AnyObject) => ObjectKeys) | undefined;
    if (!keysOf) return undefined;
    const before: ObjectKeys = was ? keysOf(was) : { claims: [] };
    const now = keysOf(obj);
    const claims = new Set(now.claims.filter((k) => !before.claims.includes(k)));
    const covers = new Set((now.covers ?? []).filter((k) => !(before.covers ?? []).includes(k)));
    if (!claims.size && !covers.size) return undefined;
    const clash = (other: AnyObject | null | undefined) => {
      if (!other) return undefined;
      const theirs = keysOf(other);
      return (
        theirs.claims.find((k) => claims.has(k) || covers.has(k)) ?? (theirs.covers ?? []).find((k) => claims.has(k))
      );
    };
    const table = tables.get(kind)!;
    for (const o of table.values()) {
      const k = o.ID === obj.ID ? undefined : clash(current(kind, o.ID).obj);
      if (k) return k;
    }
    for (const s of staged.values()) {
      const k = s.kind === kind && s.id !== obj.ID && !table.get(s.id) ? clash(s.obj) : undefined;
      if (k) return k;
    }
    return undefined;
  };
  const checkUnique = (kind: Kind, obj: AnyObject, was?: AnyObject) => {
    if (nameTaken(kind, obj)) throw new NameConflictError(kind, nameOf(kind, obj)!);
    const key = keyTaken(kind, obj, was);
    if (key) throw new UniqueKeyConflictError(kind, key);
  };

  for (const m of batch.mutations) {
    const id = m.op === 'delete' ? m.id : m.object.ID;
    const { obj: cur, base } = current(m.kind, id);
    switch (m.op) {
      case 'create': {
        if (cur) throw new ObjectExistsError(m.kind, id);
        const obj = stampObject(m.object, index, batch.time, batch.time);
        checkUnique(m.kind, obj);
        stage(m.kind, id, base, obj);
        events.push({ kind: m.kind, action: 'create', object: obj, index } as ObjectEvent);
        break;
      }
      case 'update': {
        if (!cur) throw new ObjectNotFoundError(m.kind, id);
        // Within a batch, an object created earlier has version 0 and one updated earlier
        // keeps its pre-batch version: that is what the writer read in its transaction.
        if (m.expected !== base) throw new SequenceConflictError(m.kind, id, m.expected, cur.Version.Index);
        const obj = stampObject(m.object, index, cur.CreatedAt, batch.time);
        checkUnique(m.kind, obj, cur);
        stage(m.kind, id, base, obj);
        events.push({ kind: m.kind, action: 'update', object: obj, oldObject: cur, index } as ObjectEvent);
        break;
      }
      case 'delete': {
        if (!cur) throw new ObjectNotFoundError(m.kind, id);
        if (m.expected !== null && m.expected !== base)
          throw new SequenceConflictError(m.kind, id, m.expected, cur.Version.Index);
        stage(m.kind, id, base, null);
        events.push({ kind: m.kind, action: 'delete', object: cur, index } as ObjectEvent);
        break;
      }
    }
  }
  for (const s of staged.values()) {
    const t = tables.get(s.kind)!;
    if (s.obj) t.put(s.obj);
    else t.remove(s.id);
  }
  return events;
}
