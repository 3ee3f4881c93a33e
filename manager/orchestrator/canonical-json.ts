/**
 * JSON with object keys sorted, so two specs that differ only in key order (or in keys set
 * to undefined) compare equal.
 */
export function canonicalJson(v: unknown): string {
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
