import { InvalidArgumentError } from './errors';

/**
 * Parses Docker's `filters` query parameter, in either JSON encoding: the map form
 * {"key":{"value":true}} the CLI sends and the legacy list form {"key":["value"]} SDKs send.
 * Keys outside `allowed` get 400 "Invalid filter 'x'", as the real daemon answers.
 */
export function parseFilters(raw: unknown, allowed: readonly string[]): Record<string, string[]> {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'string') throw new InvalidArgumentError('invalid filters: must be a JSON string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidArgumentError(`invalid filters: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError(`invalid filters: ${raw}`);
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!allowed.includes(k)) throw new InvalidArgumentError(`Invalid filter '${k}'`);
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v && typeof v === 'object')
      out[k] = Object.entries(v as Record<string, unknown>)
        .filter(([, on]) => on)
        .map(([val]) => val);
    else throw new InvalidArgumentError(`invalid filters: value of '${k}' must be a list or a map`);
  }
  return out;
}

/** Go's strconv.ParseBool, which Docker uses for query flags; absent gives the default. */
export function parseBool(v: unknown, dflt = false): boolean {
  if (v === undefined || v === null || v === '') return dflt;
  const s = String(v);
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(s)) return false;
  throw new InvalidArgumentError(`invalid boolean value: ${s}`);
}

/** An integer query parameter; the message names the parameter. */
export function parseIntParam(name: string, v: unknown, dflt?: number): number | undefined {
  if (v === undefined || v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`invalid value for ${name}: ${String(v)}`);
  return n;
}
