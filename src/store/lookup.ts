import { AmbiguousReferenceError, ObjectNotFoundError } from './errors';
import type { Kind, ObjectOf } from './kinds';
import type { ReadTx } from './read-tx';

/**
 * Resolves what a user typed the way the Docker daemon does (daemon/cluster/helpers.go):
 * an exact ID wins, then an exact name (case-insensitive), then an ID prefix. More than one
 * match at the name or prefix step is ambiguous rather than a guess.
 */
export function lookupObject<K extends Kind>(tx: Pick<ReadTx, 'get' | 'find'>, kind: K, ref: string): ObjectOf<K> {
  if (typeof ref !== 'string' || ref === '')
    throw new ObjectNotFoundError(kind, String(ref), `${kind} ${String(ref)} not found`);
  const byId = tx.get(kind, ref);
  if (byId) return byId;
  const byName = tx.find(kind, { name: ref });
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) throw new AmbiguousReferenceError(kind, ref, byName.length);
  const byPrefix = tx.find(kind, { idPrefix: ref });
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1) throw new AmbiguousReferenceError(kind, ref, byPrefix.length);
  throw new ObjectNotFoundError(kind, ref, `${kind} ${ref} not found`);
}
