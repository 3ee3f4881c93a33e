import { InvalidObjectError } from './errors';
import type { Kind } from './kinds';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Checks an ID the caller gave: what Docker's IDs and our tests' readable ones look like. */
export function checkId(kind: Kind, id: unknown): asserts id is string {
  if (typeof id !== 'string' || !ID_RE.test(id))
    throw new InvalidObjectError(
      `store: ${kind} ID must be 1-128 letters, digits, '_', '.' or '-', got ${JSON.stringify(id)}`,
    );
}

/** Checks the shape every stored object shares: a plain object with a Spec object. */
export function checkObject(kind: Kind, obj: unknown): asserts obj is Record<string, unknown> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new InvalidObjectError(`store: a ${kind} must be an object`);
  const spec = (obj as { Spec?: unknown }).Spec;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new InvalidObjectError(`store: a ${kind} needs a Spec object`);
}

/** The Version.Index an update names as the one it was made from. */
export function versionOf(kind: Kind, obj: Record<string, unknown>): number {
  const v = (obj.Version as { Index?: unknown } | undefined)?.Index;
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    throw new InvalidObjectError(`store: updating a ${kind} needs the Version.Index it was read at`);
  return v as number;
}
