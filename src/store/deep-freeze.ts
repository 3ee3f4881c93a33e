/**
 * Freezes a JSON value in place, recursively. Stored objects are shared by every reader
 * without copying, so they must not be changed; copy with structuredClone to edit one.
 */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}
