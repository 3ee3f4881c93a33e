/**
 * The raft entry of one store.update: a timestamp the proposer chose and the mutations in
 * order. JSON, with each mutation a short array:
 *   ["c", kind, object]                 create
 *   ["u", kind, expectedVersion, object] update
 *   ["d", kind, id, expectedVersion|null] delete
 * Decoding validates everything, because apply must reject a malformed entry the same way on
 * every member instead of throwing inside the raft loop.
 */
import { CorruptDataError } from './errors';
import { isKind, type AnyObject, type Kind } from './kinds';

export type Mutation =
  | { readonly op: 'create'; readonly kind: Kind; readonly object: AnyObject }
  | { readonly op: 'update'; readonly kind: Kind; readonly expected: number; readonly object: AnyObject }
  | { readonly op: 'delete'; readonly kind: Kind; readonly id: string; readonly expected: number | null };

export interface Batch {
  /** RFC 3339 time the proposer chose; every replica stamps UpdatedAt with it. */
  readonly time: string;
  readonly mutations: readonly Mutation[];
}

const FORMAT = 1;

export function encodeBatch(b: Batch): Buffer {
  const m = b.mutations.map((x) =>
    x.op === 'create'
      ? ['c', x.kind, x.object]
      : x.op === 'update'
        ? ['u', x.kind, x.expected, x.object]
        : ['d', x.kind, x.id, x.expected],
  );
  return Buffer.from(JSON.stringify({ v: FORMAT, t: b.time, m }));
}

const isVersion = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isObj = (o: unknown): o is AnyObject =>
  o !== null &&
  typeof o === 'object' &&
  !Array.isArray(o) &&
  typeof (o as { ID?: unknown }).ID === 'string' &&
  (o as { ID: string }).ID !== '';

/** Throws CorruptDataError on anything encodeBatch would not have produced. */
export function decodeBatch(data: Uint8Array): Batch {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (err) {
    throw new CorruptDataError('store entry: not JSON', { cause: err });
  }
  const r = raw as { v?: unknown; t?: unknown; m?: unknown };
  if (!r || typeof r !== 'object' || r.v !== FORMAT) throw new CorruptDataError('store entry: unknown format');
  if (typeof r.t !== 'string' || Number.isNaN(Date.parse(r.t))) throw new CorruptDataError('store entry: bad time');
  if (!Array.isArray(r.m)) throw new CorruptDataError('store entry: no mutations');
  const mutations: Mutation[] = r.m.map((x: unknown, i: number): Mutation => {
    const bad = () => new CorruptDataError(`store entry: mutation ${i} is malformed`);
    if (!Array.isArray(x) || !isKind(x[1])) throw bad();
    const kind = x[1];
    switch (x[0]) {
      case 'c':
        if (x.length !== 3 || !isObj(x[2])) throw bad();
        return { op: 'create', kind, object: x[2] };
      case 'u':
        if (x.length !== 4 || !isVersion(x[2]) || !isObj(x[3])) throw bad();
        return { op: 'update', kind, expected: x[2], object: x[3] };
      case 'd':
        if (x.length !== 4 || typeof x[2] !== 'string' || x[2] === '' || !(x[3] === null || isVersion(x[3])))
          throw bad();
        return { op: 'delete', kind, id: x[2], expected: x[3] };
      default:
        throw bad();
    }
  });
  return { time: r.t, mutations };
}
