import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { overlayMac, type NetworkView } from '../../../src/rpc';
import { createLogger, type Logger } from '../../../src/util';
import { defaultRouteMtu } from '../host-routes';
import { createNetns, deleteNetns, NETNS_DIR, netnsExists } from '../netns';
import { batchIn, inNetns, readJson, type NsName } from './ns-commands';
import {
  endpointVethName,
  OVERLAY_BRIDGE,
  overlayNetnsName,
  VXLAN_DEVICE,
  VXLAN_OVERHEAD,
  VXLAN_PORT,
  vxlanStagingName,
} from './overlay-names';
import { peerChanges, remotePeers, type PeerTables } from './overlay-peers';
import { overlayLookup } from './overlay-records';
import { containerRuleset, removeRuleset } from './overlay-ruleset';
import type { LocalEndpoint, OverlayAttachment } from './overlay-types';

export interface OverlayDriverOptions {
  /** Prefix of the networks' namespace names: the daemon's bridge name, unique per daemon on a machine. */
  prefix: string;
  /**
   * This node's underlay address (its advertise address). The NodeAddr the views give this
   * node's own endpoints wins: that is the address the other nodes send to.
   */
  underlayAddr?: string;
  /**
   * The namespace whose vxlan sockets carry the traffic: the daemon's own (null, the default).
   * Tests that stand a namespace in for a host name it here.
   */
  underlayNetns?: NsName;
  /** Where the daemon's name server for overlay containers listens, as their default-route interface reaches it. */
  dns?: { address: string; port: number };
  logger?: Logger;
}

interface Wired {
  ifName: string;
  veth: string;
  /** Shell commands still to run in the container's namespace (its address, link up). */
  pending?: string;
}

interface LocalOnNetwork {
  ep: LocalEndpoint;
  att: OverlayAttachment;
  wired?: Wired;
}

interface NetworkState {
  id: string;
  netns: string;
  base: OverlayAttachment | NetworkView;
  view?: NetworkView;
  local: Map<string, LocalOnNetwork>;
  ready: boolean;
  /** No vxlan port (its VNI is another daemon's in this namespace): local containers only. */
  localOnly: boolean;
  mtu: number;
  tables?: PeerTables;
}

/**
 * The overlay data plane of this host. Per network with a local container: a namespace with a
 * bridge carrying the gateway, a vxlan port (made in the daemon's namespace, so its UDP socket
 * stays there, then moved in; no learning, ARP answered from the static neighbour table), FDB
 * and neighbour entries for every remote endpoint of the latest view, and a veth per local
 * container whose end in the container is the overlay interface (the next free ethN; the
 * container keeps its default route for egress). Each container gets one nftables table for
 * 127.0.0.11 and the VIPs of its networks. Every change reconciles what the kernel has with
 * what is wanted, so a daemon restarted under running containers picks up where it was; the
 * namespace goes when its last local container does.
 */
export class OverlayDriver {
  private readonly nets = new Map<string, NetworkState>();
  private readonly views = new Map<string, NetworkView>();
  private readonly endpoints = new Map<string, LocalEndpoint>();
  /** The ruleset last loaded per container namespace. */
  private readonly rules = new Map<string, string>();
  /** The backends of each VIP per container namespace, as last loaded (for conntrack cleanup). */
  private readonly backends = new Map<string, Map<string, readonly string[]>>();
  private readonly conntrack = existsSync('/usr/sbin/conntrack');
  /** Networks kept wired with no local container (the ingress network of the routing mesh), with this node's underlay address. */
  private readonly held = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;
  private readonly underlay: NsName;

  constructor(private readonly o: OverlayDriverOptions) {
    this.log = o.logger ?? createLogger('overlay');
    this.underlay = o.underlayNetns ?? null;
  }

  /** Takes a network's view; an older Version than the last is ignored. */
  setView(view: NetworkView): Promise<void> {
    const last = this.views.get(view.ID);
    if (last && last.Version > view.Version) return Promise.resolve();
    this.views.set(view.ID, view);
    return this.serial(async () => {
      const net = this.nets.get(view.ID);
      if (!net) return;
      net.view = view;
      await this.reconcile(net);
    });
  }

  /**
   * Keeps a network's namespace, bridge and peers (its endpoints and load balancers) whether or
   * not a local container is on it, and returns the namespace's name; `localAddr` is this
   * node's underlay address.
   */
  hold(view: NetworkView, localAddr: string): Promise<string> {
    this.held.set(view.ID, localAddr);
    const last = this.views.get(view.ID);
    if (!last || last.Version <= view.Version) this.views.set(view.ID, view);
    return this.serial(async () => {
      let net = this.nets.get(view.ID);
      if (!net) {
        const base = this.views.get(view.ID)!;
        net = {
          id: view.ID,
          netns: overlayNetnsName(this.o.prefix, base.VNI),
          base,
          local: new Map(),
          ready: false,
          mtu: 1450,
          localOnly: false,
        };
        this.nets.set(view.ID, net);
      }
      net.view = this.views.get(view.ID);
      await this.reconcile(net);
      return net.netns;
    });
  }

  /** Stops holding a network: it goes with its last local container (now, if none). */
  unhold(id: string): Promise<void> {
    this.held.delete(id);
    return this.serial(async () => {
      const net = this.nets.get(id);
      if (net) await this.reconcile(net);
    });
  }

  /** Forgets the views of networks not in `ids` (no local task attaches to them any more). */
  retainViews(ids: ReadonlySet<string>): void {
    for (const id of [...this.views.keys()]) if (!ids.has(id) && !this.held.has(id)) this.views.delete(id);
  }

  /** Wires a local container into its overlay networks (idempotent: a restart re-attaches running ones). */
  attach(ep: LocalEndpoint): Promise<void> {
    return this.serial(async () => {
      this.endpoints.set(ep.taskId, ep);
      for (const att of ep.attachments) {
        let net = this.nets.get(att.networkId);
        if (!net) {
          net = {
            id: att.networkId,
            netns: overlayNetnsName(this.o.prefix, att.vni),
            base: att,
            view: this.views.get(att.networkId),
            local: new Map(),
            ready: false,
            localOnly: false,
            mtu: 1450,
          };
          this.nets.set(att.networkId, net);
        }
        const had = net.local.get(ep.taskId);
        net.local.set(ep.taskId, { ep, att, wired: had?.ep.netns === ep.netns ? had.wired : undefined });
        await this.reconcile(net);
      }
    });
  }

  /** Takes a container off its overlay networks; a network left with no local container loses its namespace. */
  detach(taskId: string): Promise<void> {
    return this.serial(async () => {
      const ep = this.endpoints.get(taskId);
      this.endpoints.delete(taskId);
      for (const net of [...this.nets.values()]) {
        const l = net.local.get(taskId);
        if (!l) continue;
        net.local.delete(taskId);
        // Deleted here even for the last container: the kernel tears a deleted namespace's
        // devices down later, and the container would keep its end for a while.
        if (l.wired) await batchIn('ip', net.netns, [['link', 'del', l.wired.veth]], true);
        await this.reconcile(net);
      }
      if (ep) {
        this.backends.delete(ep.netns);
        // The container may already be gone with its namespace; nothing to undo then.
        if (await netnsExists(ep.netns)) await inNetns(ep.netns, [], removeRuleset()).catch(() => undefined);
        this.rules.delete(ep.netns);
      }
    });
  }

  /** The name server's answer for a question from a local container (by the address it asks from). */
  lookup(clientAddr: string, name: string): string[] | null {
    const ep = [...this.endpoints.values()].find((e) => e.defaultAddr === clientAddr);
    if (!ep) return null;
    return overlayLookup(this.viewsOf(ep), name);
  }

  /** True when the address is a local overlay container's (only those are answered). */
  knows(clientAddr: string): boolean {
    return [...this.endpoints.values()].some((e) => e.defaultAddr === clientAddr);
  }

  /**
   * Removes network namespaces of this prefix that no local container needs (left by an
   * earlier run); with `all`, every one (uninstalling, tests).
   */
  sweep(all = false): Promise<void> {
    return this.serial(async () => {
      if (all) this.nets.clear();
      let names: string[] = [];
      try {
        names = await fs.readdir(NETNS_DIR);
      } catch {
        return;
      }
      if (all) this.held.clear();
      const keep = new Set([...this.nets.values()].map((n) => n.netns));
      for (const n of names) {
        if (!n.startsWith(`${this.o.prefix}-ov`) || keep.has(n)) continue;
        if (!/^\d+$/.test(n.slice(this.o.prefix.length + 3))) continue;
        this.log.info('removing unused overlay namespace', { netns: n });
        await deleteNetns(n);
      }
    });
  }

  /** Resolves when every change asked for so far is done. */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  private viewsOf(ep: LocalEndpoint): NetworkView[] {
    const out: NetworkView[] = [];
    for (const a of ep.attachments) {
      const v = this.nets.get(a.networkId)?.view;
      if (v) out.push(v);
    }
    return out;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch((err: unknown) => this.log.warn('overlay change failed', { err }));
    return next;
  }

  private async reconcile(net: NetworkState): Promise<void> {
    if (!net.local.size && !this.held.has(net.id)) {
      this.nets.delete(net.id);
      await deleteNetns(net.netns);
      return;
    }
    await this.ensureNetwork(net);
    for (const l of net.local.values()) if (!l.wired) l.wired = await this.wire(net, l);
    await this.syncPeers(net);
    for (const l of net.local.values()) {
      await this.syncRules(l.ep, l.wired?.pending);
      if (l.wired) l.wired.pending = undefined;
    }
  }

  /**
   * The namespace, bridge and vxlan port of a network; kept when a restart finds them whole.
   * When the daemon's namespace already has a vxlan device for the VNI (another daemon sharing
   * it, as several on one loopback do), the kernel allows no second: the network then stays
   * local to this daemon's containers (bridge, names and VIPs, no VXLAN), with a warning.
   */
  private async ensureNetwork(net: NetworkState): Promise<void> {
    if (net.ready) return;
    net.mtu = (await this.underlayMtu(this.localAddr(net))) - VXLAN_OVERHEAD;
    if (await netnsExists(net.netns)) {
      const links = await readJson<{ ifname: string }>('ip', net.netns, ['link', 'show']);
      const names = new Set(links.map((l) => l.ifname));
      if (names.has(OVERLAY_BRIDGE)) {
        net.localOnly = !names.has(VXLAN_DEVICE);
        net.ready = true;
        return;
      }
      await deleteNetns(net.netns);
    }
    const b = net.base;
    const vni = 'VNI' in b ? b.VNI : b.vni;
    const gateway = 'Gateway' in b ? b.Gateway : b.gateway;
    const prefixLen = ('Subnet' in b ? b.Subnet : b.subnet).split('/')[1];
    const mtu = String(net.mtu);
    await createNetns(net.netns);
    const stage = vxlanStagingName(this.o.prefix, vni);
    await batchIn('ip', this.underlay, [['link', 'del', stage]], true);
    try {
      await batchIn('ip', this.underlay, [
        [
          'link',
          'add',
          stage,
          'type',
          'vxlan',
          'id',
          String(vni),
          'dstport',
          String(VXLAN_PORT),
          'nolearning',
          'proxy',
        ],
        ['link', 'set', stage, 'netns', net.netns, 'name', VXLAN_DEVICE],
      ]);
      net.localOnly = false;
    } catch (err) {
      if (!/VNI already exists/i.test((err as Error).message)) throw err;
      this.log.warn('VXLAN id taken in this namespace by another daemon: the network stays local', { vni });
      await batchIn('ip', this.underlay, [['link', 'del', stage]], true);
      net.localOnly = true;
    }
    await batchIn('ip', net.netns, [
      ['link', 'add', OVERLAY_BRIDGE, 'mtu', mtu, 'type', 'bridge'],
      ...(gateway ? [['addr', 'add', `${gateway}/${prefixLen}`, 'dev', OVERLAY_BRIDGE]] : []),
      ...(net.localOnly ? [] : [['link', 'set', VXLAN_DEVICE, 'mtu', mtu, 'master', OVERLAY_BRIDGE, 'up']]),
      ['link', 'set', OVERLAY_BRIDGE, 'up'],
    ]);
    net.tables = { fdb: new Map(), neigh: new Map() };
    net.ready = true;
  }

  /**
   * A veth from the bridge into the container (one `ip` in the network's namespace), its end
   * there named the next free ethN with the task's MAC; the address and link-up are left as
   * `pending` for the container namespace's one process (syncRules).
   */
  private async wire(net: NetworkState, l: LocalOnNetwork): Promise<Wired> {
    const mac = overlayMac(l.att.addr);
    const veth = endpointVethName(net.id, l.ep.taskId);
    let ifName: string;
    if (l.ep.fresh) {
      // A container just made has lo and eth0: its overlay interfaces follow in attachment order.
      ifName = `eth${1 + l.ep.attachments.indexOf(l.att)}`;
    } else {
      const links = await readJson<{ ifname: string; address?: string }>('ip', l.ep.netns, ['link', 'show']);
      const there = links.find((x) => x.address === mac);
      if (there) return { ifName: there.ifname, veth };
      const used = new Set(links.map((x) => x.ifname));
      let n = 1;
      while (used.has(`eth${n}`)) n++;
      ifName = `eth${n}`;
    }
    const mtu = String(net.mtu);
    const add = [
      ['link', 'add', veth, 'mtu', mtu, 'master', OVERLAY_BRIDGE, 'up', 'type', 'veth'],
      ['peer', 'name', ifName, 'address', mac, 'mtu', mtu, 'netns', l.ep.netns],
    ];
    const line = [add.flat()];
    try {
      await batchIn('ip', net.netns, line);
    } catch {
      // A veth left by an interrupted attach: remove it and try once more.
      await batchIn('ip', net.netns, [['link', 'del', veth]], true);
      await batchIn('ip', net.netns, line);
    }
    const pending = `ip addr add ${l.att.addr}/${l.att.prefixLen} dev ${ifName} && ip link set ${ifName} up`;
    return { ifName, veth, pending };
  }

  private async syncPeers(net: NetworkState): Promise<void> {
    if (net.localOnly) return;
    net.tables ??= await this.readTables(net.netns);
    const local = new Set(net.local.keys());
    const lbs = (net.view?.LoadBalancers ?? []).map((l) => ({ ...l, TaskID: '', TaskName: '', ServiceID: '' }));
    const wanted = remotePeers([...(net.view?.Endpoints ?? []), ...lbs], this.localAddr(net) ?? '', local);
    const ch = peerChanges(wanted, net.tables, VXLAN_DEVICE);
    if (!ch.bridge.length && !ch.ip.length) return;
    try {
      await batchIn('bridge', net.netns, ch.bridge);
      await batchIn('ip', net.netns, ch.ip);
      net.tables = {
        fdb: new Map(wanted.map((p) => [p.mac, p.nodeAddr])),
        neigh: new Map(wanted.map((p) => [p.addr, p.mac])),
      };
    } catch (err) {
      net.tables = undefined;
      throw err;
    }
  }

  private async readTables(netns: string): Promise<PeerTables> {
    const fdb = await readJson<{ mac: string; dst?: string }>('bridge', netns, ['fdb', 'show', 'dev', VXLAN_DEVICE]);
    const neigh = await readJson<{ dst: string; lladdr?: string }>('ip', netns, ['neigh', 'show', 'dev', VXLAN_DEVICE]);
    return {
      fdb: new Map(fdb.filter((e) => e.dst).map((e) => [e.mac, e.dst!])),
      neigh: new Map(neigh.filter((e) => e.lladdr).map((e) => [e.dst, e.lladdr!])),
    };
  }

  /**
   * The container's nftables table (127.0.0.11 and the VIPs of all its overlay networks) and
   * what is pending there, in one process in its namespace: one `nft -f` per change.
   */
  private async syncRules(ep: LocalEndpoint, pending: string | undefined): Promise<void> {
    const services = this.viewsOf(ep).flatMap((v) => v.Services);
    const dns = ep.defaultAddr ? this.o.dns : undefined;
    const text = containerRuleset({ dns, services });
    const changed = this.rules.get(ep.netns) !== text;
    if (!changed && !pending) return;
    const shell = pending ? [pending] : [];
    // A loopback source may leave the namespace only with route_localnet (127.0.0.11 -> the daemon).
    if (!this.rules.has(ep.netns) && dns) shell.push('echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet');
    const vips = new Map(services.filter((x) => x.Mode === 'vip' && x.VIP).map((x) => [x.VIP!, x.Backends]));
    const flows = this.conntrack ? goneFlows(this.backends.get(ep.netns), vips) : [];
    await inNetns(ep.netns, shell, changed ? text : null, flows);
    this.rules.set(ep.netns, text);
    this.backends.set(ep.netns, vips);
  }

  /** The address the other nodes reach this one at for this network. */
  private localAddr(net: NetworkState): string | undefined {
    const own = net.view?.Endpoints.find((e) => net.local.has(e.TaskID) && e.NodeAddr);
    return own?.NodeAddr ?? this.held.get(net.id) ?? this.o.underlayAddr;
  }

  /** The MTU of the device carrying the underlay address (else of the default route's, else 1500). */
  private async underlayMtu(addr: string | undefined): Promise<number> {
    const links = await readJson<{ mtu: number; addr_info?: Array<{ local: string }> }>('ip', this.underlay, [
      'addr',
      'show',
    ]);
    const dev = addr ? links.find((l) => l.addr_info?.some((a) => a.local === addr)) : undefined;
    if (dev) return dev.mtu;
    return (this.underlay === null ? await defaultRouteMtu() : undefined) ?? 1500;
  }
}

/**
 * conntrack deletions of the connections a container has through a VIP to a backend that is no
 * longer one: they would otherwise keep going to it (nothing answers) until they time out.
 * They run after the new table is loaded, so no new connection picks a gone backend meanwhile.
 */
function goneFlows(
  before: ReadonlyMap<string, readonly string[]> | undefined,
  after: ReadonlyMap<string, readonly string[]>,
): string[] {
  const out: string[] = [];
  for (const [vip, old] of before ?? []) {
    const now = new Set(after.get(vip) ?? []);
    for (const b of old)
      if (!now.has(b)) out.push(`{ conntrack -D --orig-dst ${vip} --reply-src ${b} >/dev/null 2>&1 || true; }`);
  }
  return out;
}
