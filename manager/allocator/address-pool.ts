/**
 * The addresses of one network's subnet: hands out the lowest free host address (never the
 * network address, the gateway or the broadcast), takes back released ones, and can be told
 * of addresses already in use (the store's, when a new leader rebuilds its state).
 */
import { ConflictError, formatIpv4, parseIpv4, parseSubnet, subnetContains, type Ipv4Subnet } from '../../src/api';

export class AddressPool {
  private readonly subnet: Ipv4Subnet;
  private readonly first: number;
  private readonly last: number;
  private readonly used = new Set<number>();
  /** No address below this one is free. */
  private lowestFree: number;

  /** `subnet` "10.0.1.0/24", `gateway` "10.0.1.1". */
  constructor(
    subnet: string,
    readonly gateway: string,
  ) {
    this.subnet = parseSubnet(subnet);
    this.first = this.subnet.network + 1;
    this.last = this.subnet.network + 2 ** (32 - this.subnet.prefixLen) - 2;
    const gw = parseIpv4(gateway);
    if (gw !== null && subnetContains(this.subnet, gw)) this.used.add(gw);
    this.lowestFree = this.first;
  }

  /** The prefix length, for "addr/len". */
  get prefixLen(): number {
    return this.subnet.prefixLen;
  }

  /** Marks `addr` ("10.0.1.3" or "10.0.1.3/24") as taken; false when it is outside the subnet. */
  reserve(addr: string): boolean {
    const a = parseIpv4(addr.split('/')[0]);
    if (a === null || a < this.first || a > this.last) return false;
    this.used.add(a);
    return true;
  }

  /** The lowest free address, now taken, as "10.0.1.3/24". */
  allocate(): string {
    for (let a = this.lowestFree; a <= this.last; a++) {
      if (this.used.has(a)) continue;
      this.used.add(a);
      this.lowestFree = a + 1;
      return `${formatIpv4(a)}/${this.subnet.prefixLen}`;
    }
    throw new ConflictError(`no free address left in ${formatIpv4(this.subnet.network)}/${this.subnet.prefixLen}`);
  }

  /** Gives `addr` back (the gateway is never given back). */
  release(addr: string): void {
    const a = parseIpv4(addr.split('/')[0]);
    if (a === null || a < this.first || a > this.last || formatIpv4(a) === this.gateway) return;
    if (this.used.delete(a) && a < this.lowestFree) this.lowestFree = a;
  }

  /** How many addresses are taken, the gateway included. */
  get size(): number {
    return this.used.size;
  }
}
