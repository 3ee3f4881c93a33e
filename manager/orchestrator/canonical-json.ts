/**
 * JSON with object keys sorted, so two specs that differ only in key order (or in keys set
 * to undefined) compare equal.
 */
export function canonicalJson(v: unknown): string {
  // Store objects are deeply frozen: theirs is computed once (the orchestrators compare every
  // task's spec with its service's at every pass).
  const frozen = v !== null && typeof v === 'object' && Object.isFrozen(v);
  if (frozen) {
    const hit = cache.get(v);
    if (hit !== undefined) return hit;
  }
  const json = compute(v);
  if (frozen) cache.set(v, json);
  return json;
}

const cache = new WeakMap<object, string>();

function compute(v: unknown): string {
  return (
    JSON.stringify(v, (_k, x: unknown) => {
      if (x && typeof x === 'object' && !Array.isArray(x)) {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(x).sort()) out[k] = (x as Record<string, unknown>)[k];
        return out;
      }
      return x;
    }) ?? 'null'
  );
}
