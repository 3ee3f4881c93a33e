import { ConflictError, InvalidArgumentError } from '../../src/api';
import {
  formatIpv4,
  formatSubnet,
  parseIpv4,
  parseSubnet,
  subnetContains,
  subnetsOverlap,
  type Ipv4Subnet,
} from './subnet';

/** How a network behaves: a Linux bridge with CNI, the host's namespace, or loopback only. */
export type NetworkKind = 'bridge' | 'host' | 'none';

/** A network this daemon knows: one of the three built-in ones or a user-defined bridge network. */
export interface NetworkDef {
  id: string;
  name: string;
  created: string;
  kind: NetworkKind;
  builtin: boolean;
  /** bridge kind only */
  bridgeName?: string;
  subnet?: string;
  gateway?: string;
  /** No way out: no gateway address on the bridge, no masquerade, no default route. */
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
}

/** The body of `POST /networks/create` we accept (Docker's field names). */
export interface NetworkCreateRequest {
  Name?: unknown;
  Driver?: unknown;
  Internal?: unknown;
  Attachable?: unknown;
  Ingress?: unknown;
  EnableIPv6?: unknown;
  ConfigOnly?: unknown;
  ConfigFrom?: unknown;
  IPAM?: unknown;
  Options?: unknown;
  Labels?: unknown;
  Scope?: unknown;
  CheckDuplicate?: unknown;
}

/** A create request once checked: what the manager needs to build the network. */
export interface ValidNetworkCreate {
  name: string;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Asked for explicitly, or undefined to take one from the pool. */
  subnet?: Ipv4Subnet;
  gateway?: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new InvalidArgumentError(`invalid ${field}: want an object of strings`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new InvalidArgumentError(`invalid ${field}["${k}"]: want a string`);
  }
  return { ...(v as Record<string, string>) };
}

function flag(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(`invalid ${field}: want true or false`);
  return v;
}

/**
 * Checks a `POST /networks/create` body for a local bridge network. Other drivers, IPv6,
 * ingress, config-only networks and IPAM ranges are refused with the field named.
 */
export function validateNetworkCreate(body: NetworkCreateRequest): ValidNetworkCreate {
  if (body === null || typeof body !== 'object')
    throw new InvalidArgumentError('invalid request body: want a JSON object');
  const name = body.Name;
  if (typeof name !== 'string' || name === '')
    throw new InvalidArgumentError('invalid Name: a network name is required');
  if (!NAME.test(name) || name.length > 128) {
    throw new InvalidArgumentError(`invalid Name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const driver = body.Driver ?? 'bridge';
  if (driver !== 'bridge' && driver !== '') {
    throw new InvalidArgumentError(
      `invalid Driver "${String(driver)}": only "bridge" networks can be created on a standalone daemon`,
    );
  }
  if (body.Scope !== undefined && body.Scope !== '' && body.Scope !== 'local') {
    throw new InvalidArgumentError(`invalid Scope "${String(body.Scope)}": bridge networks are local`);
  }
  if (flag(body.Ingress, 'Ingress'))
    throw new InvalidArgumentError('invalid Ingress: only swarm overlay networks can be ingress');
  if (flag(body.EnableIPv6, 'EnableIPv6')) throw new InvalidArgumentError('invalid EnableIPv6: IPv6 is not supported');
  if (flag(body.ConfigOnly, 'ConfigOnly'))
    throw new InvalidArgumentError('invalid ConfigOnly: config-only networks are not supported');
  const from = body.ConfigFrom as { Network?: unknown } | undefined | null;
  if (from && typeof from === 'object' && from.Network)
    throw new InvalidArgumentError('invalid ConfigFrom: config-only networks are not supported');
  const out: ValidNetworkCreate = {
    name,
    internal: flag(body.Internal, 'Internal'),
    attachable: flag(body.Attachable, 'Attachable'),
    labels: stringMap(body.Labels, 'Labels'),
    options: stringMap(body.Options, 'Options'),
  };
  const ipam = body.IPAM as { Driver?: unknown; Config?: unknown; Options?: unknown } | undefined | null;
  if (ipam !== undefined && ipam !== null) {
    if (typeof ipam !== 'object') throw new InvalidArgumentError('invalid IPAM: want an object');
    if (ipam.Driver !== undefined && ipam.Driver !== '' && ipam.Driver !== 'default') {
      throw new InvalidArgumentError(`invalid IPAM.Driver "${String(ipam.Driver)}": only "default" is supported`);
    }
    const config = ipam.Config ?? [];
    if (!Array.isArray(config)) throw new InvalidArgumentError('invalid IPAM.Config: want a list');
    if (config.length > 1) throw new InvalidArgumentError('invalid IPAM.Config: one subnet per network is supported');
    if (config.length === 1) {
      const c = config[0] as { Subnet?: unknown; Gateway?: unknown; IPRange?: unknown; AuxiliaryAddresses?: unknown };
      if (c === null || typeof c !== 'object') throw new InvalidArgumentError('invalid IPAM.Config[0]: want an object');
      if (c.IPRange) throw new InvalidArgumentError('invalid IPAM.Config[0].IPRange: not supported');
      if (c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses as object).length) {
        throw new InvalidArgumentError('invalid IPAM.Config[0].AuxiliaryAddresses: not supported');
      }
      if (typeof c.Subnet !== 'string' || !c.Subnet) {
        throw new InvalidArgumentError('invalid IPAM.Config[0].Subnet: required when IPAM.Config is given');
      }
      out.subnet = parseSubnet(c.Subnet, 'IPAM.Config[0].Subnet');
      if (c.Gateway !== undefined && c.Gateway !== '') {
        const gw = typeof c.Gateway === 'string' ? parseIpv4(c.Gateway) : null;
        if (gw === null || !subnetContains(out.subnet, gw) || gw === out.subnet.network) {
          throw new InvalidArgumentError(
            `invalid IPAM.Config[0].Gateway "${String(c.Gateway)}": want a host address inside ${formatSubnet(out.subnet)}`,
          );
        }
        out.gateway = formatIpv4(gw);
      }
    }
  }
  return out;
}

/**
 * The first /24 of `pool` that overlaps none of `taken` (this daemon's networks and the host's
 * routes), so user networks of several daemons on one host do not collide.
 */
export function pickSubnet(pool: Ipv4Subnet, taken: Ipv4Subnet[]): Ipv4Subnet {
  const size = 256;
  const count = 2 ** (32 - pool.prefixLen) / size;
  for (let i = 0; i < count; i++) {
    const candidate = { network: pool.network + i * size, prefixLen: 24 };
    if (!taken.some((t) => subnetsOverlap(t, candidate))) return candidate;
  }
  throw new ConflictError(
    `no free /24 left in the address pool ${formatSubnet(pool)}; give IPAM.Config[0].Subnet explicitly`,
  );
}
