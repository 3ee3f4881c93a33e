import { NetworkDnsServer } from '../dns-server';
import type { OverlayDriver } from './overlay-driver';

export interface OverlayNameServerOptions {
  /** Where it listens: an address local containers reach through their default-route interface (the bridge gateway). */
  address: string;
  port: number;
  /** Resolvers for every other name (the host's). */
  upstreams: string[];
}

/**
 * The daemon's one name server for containers on overlay networks. Their 127.0.0.11:53 is
 * DNATed here and masqueraded to their own address, so the source says who asks and which
 * networks' names to answer; questions from anyone else get no answer.
 */
export function overlayNameServer(driver: OverlayDriver, o: OverlayNameServerOptions): NetworkDnsServer {
  return new NetworkDnsServer({
    address: o.address,
    port: o.port,
    upstreams: o.upstreams,
    clients: (addr) => driver.knows(addr),
    lookup: (name, client) => driver.lookup(client, name),
  });
}
