import { InvalidArgumentError, NotFoundError } from '../../../src/api';

export type NetworkScope = 'local' | 'swarm';

export interface NetworkRefCandidate {
  readonly Id: string;
  readonly Name: string;
  readonly scope: NetworkScope;
}

/**
 * Which network a user's reference names, local and swarm networks together, in the order of
 * Docker's network routes: a full ID, then an exact name, then a unique ID prefix. Each step
 * covers both scopes, so a swarm network's name is never shadowed by a local network whose
 * ID merely starts with it (and a removed network's name never falls through to one).
 */
export function resolveNetworkRef(ref: string, candidates: readonly NetworkRefCandidate[]): NetworkRefCandidate {
  const byId = candidates.find((c) => c.Id === ref);
  if (byId) return byId;
  const byName = unique(candidates.filter((c) => c.Name === ref));
  if (byName.length > 1)
    throw new InvalidArgumentError(`network ${ref} is ambiguous (${byName.length} matches found based on name)`);
  if (byName.length === 1) return byName[0]!;
  const byPrefix = ref ? unique(candidates.filter((c) => c.Id.startsWith(ref))) : [];
  if (byPrefix.length > 1)
    throw new InvalidArgumentError(`network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
  if (byPrefix.length === 1) return byPrefix[0]!;
  throw new NotFoundError('network', ref, { message: `network ${ref} not found` });
}

/** One per network ID: a swarm network a node also has locally counts once. */
function unique(list: NetworkRefCandidate[]): NetworkRefCandidate[] {
  return list.filter((c, i) => list.findIndex((o) => o.Id === c.Id) === i);
}
