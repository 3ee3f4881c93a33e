import { InvalidArgumentError } from '../../src/api';
import type { NetworkResource } from './types';

/** `GET /networks` filters, each key to its accepted values (the API layer decodes both JSON encodings into this). */
export type NetworkFilters = Record<string, string[]>;

/** Names the built-in networks own; no user network may take them. */
const BUILTIN_NAMES = new Set(['bridge', 'host', 'none']);
const KEYS = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);

/**
 * Applies Docker's network list filters: name and id match substrings (id also as prefix),
 * driver and scope exactly, type is custom|builtin, label is `key` or `key=value`, dangling
 * true|false (a network with no containers; built-in networks never count as dangling).
 * Values of one key are alternatives; different keys must all match.
 */
export function filterNetworks(
  networks: NetworkResource[],
  filters: NetworkFilters,
  isBuiltin: (n: NetworkResource) => boolean = (n) => BUILTIN_NAMES.has(n.Name),
): NetworkResource[] {
  for (const [key, values] of Object.entries(filters)) {
    if (!KEYS.has(key)) throw new InvalidArgumentError(`invalid filter '${key}'`);
    if (key === 'type')
      for (const v of values)
        if (v !== 'custom' && v !== 'builtin') throw new InvalidArgumentError(`invalid filter: 'type'='${v}'`);
    if (key === 'dangling')
      for (const v of values)
        if (!['true', 'false', '1', '0'].includes(v)) throw new InvalidArgumentError(`invalid filter 'dangling=${v}'`);
  }
  const any = (key: string, test: (v: string) => boolean) => !filters[key]?.length || filters[key].some(test);
  return networks.filter(
    (n) =>
      any('name', (v) => n.Name.includes(v)) &&
      any('id', (v) => n.Id.includes(v)) &&
      any('driver', (v) => n.Driver === v) &&
      any('scope', (v) => n.Scope === v) &&
      any('type', (v) => (v === 'builtin') === isBuiltin(n)) &&
      any('label', (v) => {
        const eq = v.indexOf('=');
        return eq < 0 ? v in n.Labels : n.Labels[v.slice(0, eq)] === v.slice(eq + 1);
      }) &&
      any('dangling', (v) => {
        const dangling = !isBuiltin(n) && Object.keys(n.Containers).length === 0;
        return (v === 'true' || v === '1') === dangling;
      }),
  );
}
