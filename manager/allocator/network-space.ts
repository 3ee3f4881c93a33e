/**
 * Where a new swarm network lives: its subnet (Docker's default address pool 10.0.0.0/8 cut in
 * /24s, the first one no network has; or the one the user gave, if it overlaps none), its
 * gateway (the first host address unless given) and its VXLAN id (the lowest free from 4096).
 * Pure: the networks already in the store are the whole state, so a new leader needs nothing
 * rebuilt for this.
 */
import {
  ConflictError,
  formatIpv4,
  formatSubnet,
  InvalidArgumentError,
  parseIpv4,
  parseSubnet,
  subnetContains,
  subnetsOverlap,
  supernetsOf,
  type Ipv4Subnet,
  type NetworkObject,
} from '../../src/api';
import { VXLAN_ID_OPTION } from '../../src/rpc';
import type { ObjectKeys } from '../../src/store';

/** Docker's default address pool for swarm networks, and the size of each subnet taken from it. */
export const DEFAULT_ADDR_POOL = '10.0.0.0/8';
export const DEFAULT_SUBNET_PREFIX = 24;
/** The first VXLAN id Docker gives (ingress gets it); VNIs are 24 bits. */
export const FIRST_VNI = 4096;
export const MAX_VNI = 2 ** 24 - 1;

/** What the allocator settles for a network before it is stored. */
export interface NetworkSpace {
  /** "10.0.1.0/24" */
  readonly subnet: string;
  /** "10.0.1.1" */
  readonly gateway: string;
  readonly vni: number;
}

/** What the user asked for (IPAM.Config[0]), checked for syntax only. */
export interface NetworkSpaceRequest {
  readonly subnet?: string;
  readonly gateway?: string;
}

/** The subnet a stored network occupies, or undefined when it has none yet. */
export function networkSubnet(n: NetworkObject): string | undefined {
  return n.IPAMOptions?.Configs?.[0]?.Subnet || undefined;
}

const SUBNET_KEY = 'subnet ';

/** Whether a key of networkUniqueKeys is the subnet's (the other is the VXLAN id's). */
export function isSubnetKey(key: string): boolean {
  return key.startsWith(SUBNET_KEY);
}

/**
 * What no two swarm networks may share, checked again when a create applies: each manager
 * picks a subnet and a VXLAN id from its own view, and two creates at once can pick the same
 * or overlapping ones. A network claims its subnet and VXLAN id and covers the subnets around
 * its own, so a create whose subnet holds, or lies in, another's fails as it applies.
 */
export function networkUniqueKeys(n: NetworkObject): ObjectKeys {
  const claims: string[] = [];
  const covers: string[] = [];
  const subnet = networkSubnet(n);
  if (subnet) {
    const s = parseSubnet(subnet);
    claims.push(subnetKey(s));
    covers.push(...supernetsOf(s).map(subnetKey));
  }
  const vni = networkVni(n);
  if (vni !== undefined) claims.push(`VXLAN id ${vni}`);
  return { claims, covers };
}

const subnetKey = (s: Ipv4Subnet) => `${SUBNET_KEY}${formatSubnet(s)}`;

/** The subnet a key of networkUniqueKeys names. */
export function subnetOfKey(key: string): string {
  return key.slice(SUBNET_KEY.length);
}

/** The gateway of a stored network. */
export function networkGateway(n: NetworkObject): string | undefined {
  return n.IPAMOptions?.Configs?.[0]?.Gateway || undefined;
}

/** The VXLAN id of a stored network (DriverState's vxlanid_list), or undefined. */
export function networkVni(n: NetworkObject): number | undefined {
  const v = Number(n.DriverState?.Options?.[VXLAN_ID_OPTION]?.split(',')[0]);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

function pickSubnet(pool: Ipv4Subnet, prefixLen: number, taken: readonly Ipv4Subnet[]): Ipv4Subnet {
  const size = 2 ** (32 - prefixLen);
  const count = 2 ** (32 - pool.prefixLen) / size;
  for (let i = 0; i < count; i++) {
    const candidate = { network: pool.network + i * size, prefixLen };
    if (!taken.some((t) => subnetsOverlap(t, candidate))) return candidate;
  }
  throw new ConflictError(
    `could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network`,
  );
}

function pickVni(taken: ReadonlySet<number>): number {
  for (let v = FIRST_VNI; v <= MAX_VNI; v++) if (!taken.has(v)) return v;
  throw new ConflictError('no free VXLAN id left');
}

/**
 * The subnet, gateway and VNI for a new network among `existing`. A given subnet that overlaps
 * another network's is a ConflictError (409) naming that network; a gateway outside the subnet
 * an InvalidArgumentError (400) naming the field.
 */
export function allocateNetworkSpace(
  existing: readonly NetworkObject[],
  req: NetworkSpaceRequest = {},
  pool = DEFAULT_ADDR_POOL,
): NetworkSpace {
  const taken = existing.flatMap((n) => {
    const s = networkSubnet(n);
    return s ? [{ net: n, subnet: parseSubnet(s) }] : [];
  });
  let subnet: Ipv4Subnet;
  if (req.subnet) {
    subnet = parseSubnet(req.subnet, 'IPAM.Config[0].Subnet');
    const clash = taken.find((t) => subnetsOverlap(t.subnet, subnet));
    if (clash)
      throw new ConflictError(
        `invalid pool request: Pool overlaps with other one on this address space: ${formatSubnet(subnet)} overlaps network ${clash.net.Spec.Name} (${formatSubnet(clash.subnet)})`,
      );
  } else {
    subnet = pickSubnet(
      parseSubnet(pool, 'address pool'),
      DEFAULT_SUBNET_PREFIX,
      taken.map((t) => t.subnet),
    );
  }
  let gateway = formatIpv4(subnet.network + 1);
  if (req.gateway) {
    const gw = parseIpv4(req.gateway);
    const broadcast = subnet.network + 2 ** (32 - subnet.prefixLen) - 1;
    if (gw === null || !subnetContains(subnet, gw) || gw === subnet.network || gw === broadcast)
      throw new InvalidArgumentError(
        `invalid IPAM.Config[0].Gateway "${req.gateway}": want a host address inside ${formatSubnet(subnet)}`,
      );
    gateway = formatIpv4(gw);
  }
  const vnis = new Set(existing.flatMap((n) => networkVni(n) ?? []));
  return { subnet: formatSubnet(subnet), gateway, vni: pickVni(vnis) };
}
