/**
 * zod helpers that read JSON the way Go's encoding/json does, since every Docker client is
 * written against it: field names match case-insensitively (docker-py sends `replicated`),
 * `null` means absent, unknown fields are dropped (dockerode sends an extra `version`).
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../src/api';

/** An optional field; `null` reads as absent. */
export function opt<T extends z.ZodTypeAny>(t: T) {
  return z.preprocess((v) => (v === null ? undefined : v), t.optional());
}

/** An object whose keys are matched to `shape`'s case-insensitively; unknown keys are dropped. */
export function goObject<S extends z.ZodRawShape>(shape: S) {
  const byLower = new Map(Object.keys(shape).map((k) => [k.toLowerCase(), k]));
  return z.preprocess((v) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      const canon = k in shape ? k : byLower.get(k.toLowerCase());
      if (canon && (out[canon] === undefined || k === canon)) out[canon] = val;
    }
    return out;
  }, z.object(shape));
}

export const labelsSchema = opt(z.record(z.string(), z.string()));
export const int = z.number().int();
export const uint = z.number().int().min(0);

/** Parses `body` with `schema`; the first issue becomes a 400 naming the field. */
export function parseBody<T>(schema: z.ZodTypeAny, body: unknown, what: string): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidArgumentError(`invalid ${what}: ${i.path.join('.') || 'body'}: ${i.message}`);
  }
  return dropUndefined(r.data) as T;
}

/** A copy without the `undefined` members zod leaves for fields that came as null. */
export function dropUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropUndefined);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = dropUndefined(x);
  return out;
}
