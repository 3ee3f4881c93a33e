/** IPv4 addresses and CIDR subnets as unsigned 32-bit numbers: parsing, formatting, overlap. */
import { InvalidArgumentError } from './errors';

/** An IPv4 network in CIDR form, with the address as an unsigned 32-bit number. */
export interface Ipv4Subnet {
  network: number;
  prefixLen: number;
}

/** Parses a dotted IPv4 address; null when it is not one. */
export function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIpv4(addr: number): string {
  return [addr >>> 24, (addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255].join('.');
}

function mask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/**
 * Parses `a.b.c.d/len` for a container subnet. The host bits must be zero and the prefix leave
 * room for a gateway and at least one container (/8 to /30). `field` names the option in errors.
 */
export function parseSubnet(text: string, field = 'subnet'): Ipv4Subnet {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  const addr = m ? parseIpv4(m[1]) : null;
  const prefixLen = m ? Number(m[2]) : NaN;
  if (addr === null || !(prefixLen >= 8 && prefixLen <= 30)) {
    throw new InvalidArgumentError(
      `invalid ${field} "${text}": want an IPv4 CIDR such as 10.197.0.0/16 (prefix /8 to /30)`,
    );
  }
  if ((addr & mask(prefixLen)) >>> 0 !== addr) {
    throw new InvalidArgumentError(
      `invalid ${field} "${text}": host bits are set (did you mean ${formatSubnet({ network: (addr & mask(prefixLen)) >>> 0, prefixLen })}?)`,
    );
  }
  return { network: addr, prefixLen };
}

export function formatSubnet(s: Ipv4Subnet): string {
  return `${formatIpv4(s.network)}/${s.prefixLen}`;
}

/** The first usable address, which the bridge carries as the containers' gateway. */
export function gatewayOf(s: Ipv4Subnet): string {
  return formatIpv4(s.network + 1);
}

/** Whether two networks share any address. */
export function subnetsOverlap(a: Ipv4Subnet, b: Ipv4Subnet): boolean {
  const len = Math.min(a.prefixLen, b.prefixLen);
  return (a.network & mask(len)) >>> 0 === (b.network & mask(len)) >>> 0;
}

/** Whether an address lies in a network. */
export function subnetContains(s: Ipv4Subnet, addr: number): boolean {
  return (addr & mask(s.prefixLen)) >>> 0 === s.network;
}

/** The networks that strictly contain `s`, from /0 to one bit shorter than its own prefix. */
export function supernetsOf(s: Ipv4Subnet): Ipv4Subnet[] {
  return Array.from({ length: s.prefixLen }, (_, len) => ({ network: (s.network & mask(len)) >>> 0, prefixLen: len }));
}
