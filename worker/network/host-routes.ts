import { runChecked } from './run-command';
import { formatSubnet, parseIpv4, subnetsOverlap, type Ipv4Subnet } from './subnet';

interface RouteJson {
  dst: string;
  dev?: string;
}

/** The host's routed IPv4 networks (main table, default route excluded). */
export async function hostRouteSubnets(): Promise<Ipv4Subnet[]> {
  const routes = JSON.parse(await runChecked('ip', ['-4', '-j', 'route', 'show'])) as RouteJson[];
  const out: Ipv4Subnet[] = [];
  for (const r of routes) {
    const [addr, len] = r.dst.split('/');
    const network = parseIpv4(addr);
    if (network !== null) out.push({ network, prefixLen: len === undefined ? 32 : Number(len) });
  }
  return out;
}

/** IPv4 routes of the host's main table (default route excluded) that overlap `subnet`, on devices other than `ownDevice`. */
export async function clashingRoutes(subnet: Ipv4Subnet, ownDevice: string): Promise<string[]> {
  const routes = JSON.parse(await runChecked('ip', ['-4', '-j', 'route', 'show'])) as RouteJson[];
  const out: string[] = [];
  for (const r of routes) {
    if (r.dst === 'default' || r.dev === ownDevice) continue;
    const [addr, len] = r.dst.split('/');
    const network = parseIpv4(addr);
    if (network === null) continue;
    const other = { network, prefixLen: len === undefined ? 32 : Number(len) };
    if (subnetsOverlap(subnet, other)) out.push(`${formatSubnet(other)} dev ${r.dev ?? '?'}`);
  }
  return out;
}

/** MTU of the device carrying the default route, or undefined without one. */
export async function defaultRouteMtu(): Promise<number | undefined> {
  const routes = JSON.parse(await runChecked('ip', ['-4', '-j', 'route', 'show', 'default'])) as RouteJson[];
  const dev = routes.find((r) => r.dev)?.dev;
  if (!dev) return undefined;
  const links = JSON.parse(await runChecked('ip', ['-j', 'link', 'show', 'dev', dev])) as Array<{ mtu?: number }>;
  return links[0]?.mtu;
}
