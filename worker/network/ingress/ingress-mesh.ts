import { existsSync } from 'node:fs';
import { InternalError } from '../../../src/api';
import { overlayMac, type NetworkView } from '../../../src/rpc';
import { createLogger, type Logger } from '../../../src/util';
import { ensureForwardRules, removeForwardRules } from '../host-firewall';
import { OVERLAY_BRIDGE } from '../overlay/overlay-names';
import { batchIn, inNetns, readJson, type NsName } from '../overlay/ns-commands';
import type { OverlayDriver } from '../overlay/overlay-driver';
import { runCommand } from '../run-command';
import {
  hostRuleset,
  hostTableName,
  ingressLink,
  INGRESS_LINK,
  meshRuleset,
  publishedPorts,
  type IngressLink,
} from './ingress-ruleset';

export interface IngressMeshOptions {
  /** The daemon's prefix (its bridge name, unique per daemon on a machine), as the overlay driver's. */
  prefix: string;
  /** The overlay driver, which keeps the ingress network's namespace, bridge and peers. */
  driver: OverlayDriver;
  /** The namespace whose addresses publish the ports: the daemon's own (null, the default); tests name one. */
  hostNetns?: NsName;
  logger?: Logger;
}

interface Active {
  networkId: string;
  netns: string;
  lbAddr: string;
  hostRules: string;
  meshRules: string;
  /** Backends of each published port as last loaded, for conntrack cleanup. */
  backends: Map<string, string[]>;
}

/**
 * Docker's routing mesh without IPVS. While a service publishes an ingress port, every node
 * holds the ingress network's namespace (from the overlay driver: bridge, vxlan, peers of
 * every task and every node's load balancer), gives it this node's load-balancer address,
 * and links it to the host namespace by a veth with a private /30. The host DNATs a published
 * port on its own addresses to the namespace's end of that link; the namespace DNATs it to
 * its backends over the overlay and SNATs it to the load-balancer address, so the replies come
 * back the same way (the paths are symmetric, strict rp_filter passes them). Each change is one
 * `nft -f` per namespace; a backend that goes has its connections dropped from conntrack. With
 * no published port left everything is taken down; a restarted daemon starts by taking down
 * what an earlier run left, then builds from the next view.
 */
export class IngressMesh {
  private active: Active | undefined;
  /** False until the first change: an earlier run may have left a link and tables. */
  private clean = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly link: IngressLink;
  private readonly host: NsName;
  private readonly table: string;
  private readonly conntrack = existsSync('/usr/sbin/conntrack');
  private readonly log: Logger;

  constructor(private readonly o: IngressMeshOptions) {
    this.link = ingressLink(o.prefix);
    this.host = o.hostNetns ?? null;
    this.table = hostTableName(o.prefix);
    this.log = o.logger ?? createLogger('ingress');
  }

  /** The ingress network's latest view (undefined: this node has none) for node `nodeId`. */
  setView(view: NetworkView | undefined, nodeId: string): Promise<void> {
    return this.serial(() => this.apply(view, nodeId));
  }

  /** Takes the mesh down on this node. */
  clear(): Promise<void> {
    return this.serial(() => this.teardown());
  }

  /** Resolves when every change asked for so far is done. */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch((err: unknown) => this.log.warn('ingress change failed', { err }));
    return next;
  }

  private async apply(view: NetworkView | undefined, nodeId: string): Promise<void> {
    const ports = view?.Ingress ? publishedPorts(view.Services) : [];
    const self = view?.LoadBalancers?.find((l) => l.NodeID === nodeId);
    if (!view || !ports.length || !self) return this.teardown();
    if (this.active && (this.active.networkId !== view.ID || this.active.lbAddr !== self.Addr)) await this.teardown();
    if (!this.active && !this.clean) await this.teardown();
    const netns = await this.o.driver.hold(view, self.NodeAddr);
    const fresh = await this.ensureLink(netns);
    const prefixLen = view.Subnet.split('/')[1] ?? '24';
    const act: Active = (this.active ??= {
      networkId: view.ID,
      netns,
      lbAddr: self.Addr,
      hostRules: '',
      meshRules: '',
      backends: new Map(),
    });
    if (fresh) {
      act.hostRules = '';
      act.meshRules = '';
    }

    const hostRules = hostRuleset(this.table, ports, this.link.nsAddr, this.link.hostDev);
    if (fresh || hostRules !== act.hostRules) {
      const shell = fresh
        ? [
            `ip addr replace ${this.link.hostAddr}/30 dev ${this.link.hostDev}`,
            `ip link set ${this.link.hostDev} up`,
            'echo 1 > /proc/sys/net/ipv4/ip_forward',
            `echo 1 > /proc/sys/net/ipv4/conf/${this.link.hostDev}/route_localnet`,
          ]
        : [];
      await this.inHost(shell, hostRules);
      if (fresh && this.host === null) await ensureForwardRules(this.link.hostDev);
      act.hostRules = hostRules;
    }

    const meshRules = meshRuleset(ports, self.Addr, OVERLAY_BRIDGE);
    const backends = new Map(ports.map((p) => [`${p.Protocol}/${p.PublishedPort}`, p.backends]));
    if (fresh || meshRules !== act.meshRules) {
      const shell = fresh
        ? [
            `ip addr replace ${this.link.nsAddr}/30 dev ${INGRESS_LINK}`,
            `ip link set ${INGRESS_LINK} up`,
            `ip route replace default via ${this.link.hostAddr} dev ${INGRESS_LINK}`,
            `ip addr replace ${self.Addr}/${prefixLen} dev ${OVERLAY_BRIDGE}`,
            // Frames for the load-balancer address arrive with its overlay MAC: the bridge must own it.
            `ip link set ${OVERLAY_BRIDGE} address ${overlayMac(self.Addr)}`,
            'echo 1 > /proc/sys/net/ipv4/ip_forward',
          ]
        : [];
      const flows = this.conntrack ? goneBackends(act.backends, backends) : [];
      await inNetns(netns, shell, meshRules, flows);
      act.meshRules = meshRules;
    }
    act.backends = backends;
    this.clean = false;
  }

  /** The veth between the host and the ingress namespace; true when it was made just now. */
  private async ensureLink(netns: string): Promise<boolean> {
    const hostEnd = await readJson<{ ifname: string }>('ip', this.host, ['link', 'show', 'dev', this.link.hostDev]);
    const nsEnd = await readJson<{ ifname: string }>('ip', netns, ['link', 'show', 'dev', INGRESS_LINK]);
    if (hostEnd.length && nsEnd.length && this.active) return false;
    await batchIn('ip', this.host, [['link', 'del', this.link.hostDev]], true);
    await batchIn('ip', this.host, [
      ['link', 'add', this.link.hostDev, 'type', 'veth', 'peer', 'name', INGRESS_LINK, 'netns', netns],
    ]);
    return true;
  }

  private async teardown(): Promise<void> {
    if (this.clean) return;
    const act = this.active;
    this.active = undefined;
    await this.inHost([], `table ip ${this.table} {}\ndelete table ip ${this.table}\n`);
    await batchIn('ip', this.host, [['link', 'del', this.link.hostDev]], true);
    if (this.host === null) await removeForwardRules(this.link.hostDev);
    if (act) await this.o.driver.unhold(act.networkId);
    this.clean = true;
  }

  /** Shell commands then an `nft -f` text in the host namespace, in one process. */
  private async inHost(shell: readonly string[], nft: string): Promise<void> {
    if (this.host !== null) return inNetns(this.host, shell, nft);
    const steps = [...shell, 'nft -f -'];
    const r = await runCommand('/bin/sh', ['-c', steps.join(' && ')], { input: nft });
    if (r.code !== 0) throw new InternalError(`${steps.join(' && ')} failed: ${r.stderr.trim()}`);
  }
}

/** conntrack deletions of connections to backends a published port no longer has. */
function goneBackends(before: ReadonlyMap<string, string[]>, after: ReadonlyMap<string, string[]>): string[] {
  const out: string[] = [];
  for (const [port, old] of before) {
    const now = new Set(after.get(port) ?? []);
    for (const b of old) if (!now.has(b)) out.push(`{ conntrack -D --reply-src ${b} >/dev/null 2>&1 || true; }`);
  }
  return [...new Set(out)];
}
