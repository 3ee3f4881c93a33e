import { overlayMac, type NetworkEndpoint } from '../../../src/rpc';

/** A remote endpoint as the vxlan device needs it: its MAC, where that MAC lives, its address. */
export interface Peer {
  mac: string;
  addr: string;
  nodeAddr: string;
}

/** What the vxlan device's FDB and neighbour table hold now (read back from the kernel). */
export interface PeerTables {
  /** MAC -> underlay destination. */
  fdb: Map<string, string>;
  /** Address -> MAC. */
  neigh: Map<string, string>;
}

/** The commands (after `bridge` and after `ip`) that turn the actual tables into the wanted ones. */
export interface PeerChanges {
  bridge: string[][];
  ip: string[][];
}

/**
 * The endpoints of other hosts: every endpoint whose node address is not this host's and whose
 * task is not attached here (a task moving between nodes shows up once on each for a moment).
 */
export function remotePeers(
  endpoints: readonly NetworkEndpoint[],
  localAddr: string,
  localTasks: ReadonlySet<string>,
): Peer[] {
  const out = new Map<string, Peer>();
  for (const e of endpoints) {
    if (!e.Addr || !e.NodeAddr || e.NodeAddr === localAddr || localTasks.has(e.TaskID)) continue;
    out.set(e.Addr, { mac: overlayMac(e.Addr), addr: e.Addr, nodeAddr: e.NodeAddr });
  }
  return [...out.values()];
}

/** Static FDB (MAC -> remote VTEP) and neighbour (address -> MAC) entries: adds what is missing or wrong, removes the rest. */
export function peerChanges(wanted: readonly Peer[], actual: PeerTables, device: string): PeerChanges {
  const bridge: string[][] = [];
  const ip: string[][] = [];
  const macs = new Set<string>();
  const addrs = new Set<string>();
  for (const p of wanted) {
    macs.add(p.mac);
    addrs.add(p.addr);
    if (actual.fdb.get(p.mac) !== p.nodeAddr)
      bridge.push(['fdb', 'replace', p.mac, 'dev', device, 'dst', p.nodeAddr, 'self', 'permanent']);
    if (actual.neigh.get(p.addr) !== p.mac)
      ip.push(['neigh', 'replace', p.addr, 'lladdr', p.mac, 'dev', device, 'nud', 'permanent']);
  }
  for (const [mac, dst] of actual.fdb)
    if (!macs.has(mac)) bridge.push(['fdb', 'del', mac, 'dev', device, 'dst', dst, 'self']);
  for (const addr of actual.neigh.keys()) if (!addrs.has(addr)) ip.push(['neigh', 'del', addr, 'dev', device]);
  return { bridge, ip };
}
