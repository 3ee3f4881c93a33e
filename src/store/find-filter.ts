/**
 * What `find` selects. Every given criterion must hold (AND). The table answers from its
 * most selective index and checks the rest on each candidate, so a filter costs about the
 * size of its smallest index bucket.
 */
import { labelsOf, nameKey, nameOf, type AnyObject, type Kind, type ObjectOf } from './kinds';
import type { ObjectTable } from './object-table';

export interface FindFilter<K extends Kind = Kind> {
  /** Any of these exact IDs. */
  ids?: readonly string[];
  idPrefix?: string;
  /** Exact name, case-insensitive (a node's hostname, a task's Name, Spec.Name otherwise). */
  name?: string;
  namePrefix?: string;
  /** Every listed label present; with that value unless the value is null. */
  labels?: Readonly<Record<string, string | null>>;
  /** Tasks of this service. */
  serviceId?: string;
  /** Tasks on this node. */
  nodeId?: string;
  /** A last check on each object that passed the others. */
  where?: (obj: ObjectOf<K>) => boolean;
}

/** Whether `obj` passes every criterion of `f`. */
export function matchesFilter(kind: Kind, obj: AnyObject, f: FindFilter<any>): boolean {
  if (f.ids && !f.ids.includes(obj.ID)) return false;
  if (f.idPrefix !== undefined && !obj.ID.startsWith(f.idPrefix)) return false;
  if (f.name !== undefined || f.namePrefix !== undefined) {
    const n = nameOf(kind, obj);
    if (n === undefined) return false;
    if (f.name !== undefined && nameKey(n) !== nameKey(f.name)) return false;
    if (f.namePrefix !== undefined && !nameKey(n).startsWith(nameKey(f.namePrefix))) return false;
  }
  if (f.labels) {
    const l = labelsOf(kind, obj) ?? {};
    for (const [k, v] of Object.entries(f.labels)) {
      if (!Object.prototype.hasOwnProperty.call(l, k)) return false;
      if (v !== null && l[k] !== v) return false;
    }
  }
  if (f.serviceId !== undefined && (obj as { ServiceID?: string }).ServiceID !== f.serviceId) return false;
  if (f.nodeId !== undefined && (obj as { NodeID?: string }).NodeID !== f.nodeId) return false;
  if (f.where && !f.where(obj)) return false;
  return true;
}

/** The objects of `table` that pass `f`. */
export function findInTable(table: ObjectTable, f: FindFilter<any> = {}): AnyObject[] {
  let ids: Iterable<string> | undefined;
  let size = Infinity;
  const consider = (c: { size: number } & Iterable<string>) => {
    if (c.size < size) {
      ids = c;
      size = c.size;
    }
  };
  if (f.ids) consider(new Set(f.ids));
  if (f.serviceId !== undefined) consider(table.idsByService(f.serviceId));
  if (f.nodeId !== undefined) consider(table.idsByNode(f.nodeId));
  if (f.name !== undefined) consider(table.idsByName(f.name));
  if (f.labels)
    for (const [k, v] of Object.entries(f.labels)) {
      consider(table.idsByLabel(k, v));
      if (size === 0) break;
    }
  if (f.idPrefix !== undefined && size > 0) {
    const p = table.idsByPrefix(f.idPrefix, size === Infinity ? undefined : size + 1);
    if (p.length <= size) consider(Object.assign(p, { size: p.length }));
  }
  const out: AnyObject[] = [];
  if (ids === undefined) {
    for (const o of table.values()) if (matchesFilter(table.kind, o, f)) out.push(o);
    return out;
  }
  for (const id of ids) {
    const o = table.get(id);
    if (o && matchesFilter(table.kind, o, f)) out.push(o);
  }
  return out;
}
