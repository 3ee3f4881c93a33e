/**
 * The store's snapshot: JSON of every kind in KINDS order, each kind's objects in table order
 * (the order every replica inserted them in), so two members with the same state produce the
 * same bytes and a restored member iterates like the others.
 */
import { deepFreeze } from './deep-freeze';
import { CorruptDataError } from './errors';
import { KINDS, type AnyObject, type Kind } from './kinds';
import { ObjectTable } from './object-table';

const FORMAT = 1;

export function encodeSnapshot(tables: ReadonlyMap<Kind, ObjectTable>, index: number): Uint8Array {
  const kinds: Record<string, AnyObject[]> = {};
  for (const k of KINDS) kinds[k] = [...tables.get(k)!.values()];
  return Buffer.from(JSON.stringify({ v: FORMAT, index, kinds }));
}

/** Builds fresh tables from a snapshot; throws CorruptDataError without touching anything else. */
export function decodeSnapshot(data: Uint8Array): { tables: Map<Kind, ObjectTable>; index: number } {
  let raw: { v?: unknown; index?: unknown; kinds?: Record<string, unknown> };
  try {
    raw = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (err) {
    throw new CorruptDataError('store snapshot: not JSON', { cause: err });
  }
  if (!raw || raw.v !== FORMAT || !raw.kinds || typeof raw.kinds !== 'object')
    throw new CorruptDataError('store snapshot: unknown format');
  if (!Number.isSafeInteger(raw.index)) throw new CorruptDataError('store snapshot: bad index');
  const tables = new Map<Kind, ObjectTable>();
  for (const k of KINDS) {
    const t = new ObjectTable(k);
    const list = raw.kinds[k] ?? [];
    if (!Array.isArray(list)) throw new CorruptDataError(`store snapshot: ${k} is not a list`);
    for (const o of list) {
      const id = (o as { ID?: unknown })?.ID;
      if (typeof id !== 'string' || id === '' || typeof (o as AnyObject).Version?.Index !== 'number')
        throw new CorruptDataError(`store snapshot: a ${k} without ID or Version`);
      if (t.get(id)) throw new CorruptDataError(`store snapshot: ${k} ${id} twice`);
      t.put(deepFreeze(o as AnyObject));
    }
    tables.set(k, t);
  }
  return { tables, index: raw.index as number };
}
