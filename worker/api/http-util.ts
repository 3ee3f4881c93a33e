import type { Request } from 'express';
import { InvalidArgumentError, parseBool } from '../../src/api';

/** A query flag with Go's ParseBool semantics. */
export function qbool(req: Request, name: string, dflt = false): boolean {
  return parseBool(req.query[name], dflt);
}

/** A single string query parameter (the first, if repeated). */
export function qstr(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (Array.isArray(v)) return String(v[0]);
  return v === undefined ? undefined : String(v);
}

/** Unix seconds, fractional or RFC 3339, as Docker's since/until take them; 0 when absent. */
export function qtime(req: Request, name: string): number {
  const v = qstr(req, name);
  if (!v) return 0;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`invalid value for ${name}: ${v}`);
  return t / 1000;
}

/** A TTY height or width from the query, as Docker reads them (required, non-negative integers). */
export function dimension(v: string | undefined, name: string): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`invalid ${name}: ${v ?? ''} (an integer from 0 to 65535)`);
  return n;
}

/** A route parameter as one string. */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, string | string[]>)[name];
  return Array.isArray(v) ? v.join('/') : v;
}
