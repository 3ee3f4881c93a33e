/**
 * The allocator's address book: one AddressPool per swarm network, the ingress ports, and the
 * rules for what a service and a task get. Built from the store's objects (a new leader calls
 * `fromView`), then kept in step by the allocator's events: the store is the truth, this is
 * its index of what is taken. No I/O, no clock.
 */
import type {
  Endpoint,
  NetworkAttachment,
  NetworkObject,
  NodeObject,
  PortConfig,
  ServiceObject,
  TaskObject,
  VirtualIp,
} from '../../src/api';
import type { ReadTx } from '../../src/store';
import { nodeIngressAddr } from '../internal-fields';
import { AddressPool } from './address-pool';
import { networkGateway, networkSubnet } from './network-space';
import { PortPool } from './port-pool';

/** A service's ingress-mode published ports (the ones the routing mesh serves). */
export function ingressPorts(ports: readonly PortConfig[] | undefined): PortConfig[] {
  return (ports ?? []).filter((p) => (p.PublishMode ?? 'ingress') === 'ingress');
}

/** The networks a service's tasks attach to, by ID, as its spec names them (TaskTemplate first). */
export function attachedNetworkIds(svc: Pick<ServiceObject, 'Spec'>): string[] {
  const nets = svc.Spec.TaskTemplate.Networks?.length ? svc.Spec.TaskTemplate.Networks : (svc.Spec.Networks ?? []);
  return [...new Set(nets.map((n) => n.Target))];
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class NetworkAllocations {
  private readonly pools = new Map<string, AddressPool>();
  private readonly networks = new Map<string, NetworkObject>();
  private readonly ports = new PortPool();

  /** The state the store's networks, services and tasks describe. */
  static fromView(tx: ReadTx): NetworkAllocations {
    const a = new NetworkAllocations();
    for (const n of tx.find('network')) a.addNetwork(n);
    for (const s of tx.find('service')) a.reserveService(s);
    for (const t of tx.find('task')) a.reserveTask(t);
    for (const n of tx.find('node')) a.reserveNode(n);
    return a;
  }

  /** Adds or refreshes a network (its object, for task attachments; its pool on first sight). */
  addNetwork(n: NetworkObject): void {
    this.networks.set(n.ID, n);
    if (this.pools.has(n.ID)) return;
    const subnet = networkSubnet(n);
    const gateway = networkGateway(n);
    if (subnet && gateway) this.pools.set(n.ID, new AddressPool(subnet, gateway));
  }

  removeNetwork(id: string): void {
    this.networks.delete(id);
    this.pools.delete(id);
  }

  /** The ingress network, if the swarm has one. */
  ingress(): NetworkObject | undefined {
    for (const n of this.networks.values()) if (n.Spec.Ingress) return n;
    return undefined;
  }

  /** Addresses taken on network `id` (tests, metrics). */
  used(id: string): number {
    return this.pools.get(id)?.size ?? 0;
  }

  private reserveService(s: ServiceObject): void {
    for (const v of s.Endpoint?.VirtualIPs ?? []) this.pools.get(v.NetworkID)?.reserve(v.Addr);
    for (const p of ingressPorts(s.Endpoint?.Ports))
      if (p.PublishedPort) {
        try {
          this.ports.reserve(s.ID, p.Protocol, p.PublishedPort);
        } catch {
          // Two services claiming one port in the store: the first keeps it.
        }
      }
  }

  private reserveTask(t: TaskObject): void {
    for (const a of t.NetworksAttachments ?? [])
      for (const addr of a.Addresses) this.pools.get(a.Network.ID)?.reserve(addr);
  }

  /** The networks a service's VIPs and tasks belong on: ingress first when it publishes ingress ports. */
  serviceNetworks(svc: ServiceObject): NetworkObject[] {
    const out: NetworkObject[] = [];
    const ingress = this.ingress();
    if (ingress && ingressPorts(svc.Spec.EndpointSpec?.Ports).length) out.push(ingress);
    for (const id of attachedNetworkIds(svc)) {
      const n = this.networks.get(id);
      if (n && !n.Spec.Ingress && !out.includes(n)) out.push(n);
    }
    return out;
  }

  /**
   * The Endpoint the service should have: its spec's ports with dynamic ingress ports filled
   * in (kept from the current Endpoint when already given), and a VIP per network in vip mode
   * (kept when the service has one there; those of networks it left are released). Returns
   * undefined when the current Endpoint is already that. Throws ConflictError for a published
   * port another service holds.
   */
  allocateService(svc: ServiceObject): Endpoint | undefined {
    const cur = svc.Endpoint;
    const mode = svc.Spec.EndpointSpec?.Mode ?? 'vip';
    const nets = this.serviceNetworks(svc);
    const want = new Set(mode === 'vip' ? nets.map((n) => n.ID) : []);
    const vips: VirtualIp[] = [];
    for (const v of cur?.VirtualIPs ?? []) {
      if (want.has(v.NetworkID) && !vips.some((x) => x.NetworkID === v.NetworkID)) vips.push(v);
      else this.pools.get(v.NetworkID)?.release(v.Addr);
    }
    for (const n of nets) {
      if (!want.has(n.ID) || vips.some((v) => v.NetworkID === n.ID)) continue;
      const pool = this.pools.get(n.ID);
      if (pool) vips.push({ NetworkID: n.ID, Addr: pool.allocate() });
    }
    const order = (v: VirtualIp) => nets.findIndex((n) => n.ID === v.NetworkID);
    vips.sort((a, b) => order(a) - order(b));

    const ports = this.allocatePorts(svc);
    const next: Endpoint = { Spec: structuredClone(cur?.Spec ?? svc.Spec.EndpointSpec ?? {}) };
    if (ports.length) next.Ports = ports;
    if (vips.length) next.VirtualIPs = vips.map((v) => ({ ...v }));
    return sameJson(next, cur ?? {}) ? undefined : next;
  }

  private allocatePorts(svc: ServiceObject): PortConfig[] {
    const spec = svc.Spec.EndpointSpec?.Ports ?? [];
    const held = ingressPorts(svc.Endpoint?.Ports).filter(
      (p) => p.PublishedPort && this.ports.owner(p.Protocol, p.PublishedPort) === svc.ID,
    );
    this.ports.releaseService(svc.ID);
    const out = spec.map((p) => ({ ...p }));
    for (const p of ingressPorts(out)) if (p.PublishedPort) this.ports.reserve(svc.ID, p.Protocol, p.PublishedPort);
    for (const p of ingressPorts(out)) {
      if (p.PublishedPort) continue;
      const i = held.findIndex((h) => h.TargetPort === p.TargetPort && (h.Protocol ?? 'tcp') === (p.Protocol ?? 'tcp'));
      if (i >= 0 && !this.ports.owner(p.Protocol, held[i].PublishedPort!)) {
        p.PublishedPort = held[i].PublishedPort;
        held.splice(i, 1);
        this.ports.reserve(svc.ID, p.Protocol, p.PublishedPort!);
      } else p.PublishedPort = this.ports.allocate(svc.ID, p.Protocol);
    }
    return out;
  }

  /** Gives back the service's VIPs and published ports (the service is gone). */
  releaseService(svc: ServiceObject): void {
    for (const v of svc.Endpoint?.VirtualIPs ?? []) this.pools.get(v.NetworkID)?.release(v.Addr);
    this.ports.releaseService(svc.ID);
  }

  /**
   * The task's attachments: one address on each network of its service (ingress first), the
   * network object as stored. `svc` is the task's service, already allocated; without it the
   * task's own spec networks are used.
   */
  allocateTask(t: TaskObject, svc: ServiceObject | undefined): NetworkAttachment[] {
    const nets = svc
      ? this.serviceNetworks({ ...svc, Spec: { ...svc.Spec, TaskTemplate: t.Spec } })
      : this.serviceNetworks({ Spec: { Name: '', TaskTemplate: t.Spec } } as ServiceObject);
    const out: NetworkAttachment[] = [];
    for (const n of nets) {
      const pool = this.pools.get(n.ID);
      if (pool) out.push({ Network: structuredClone(n), Addresses: [pool.allocate()] });
    }
    return out;
  }

  private reserveNode(n: NodeObject): void {
    const addr = nodeIngressAddr(n);
    const ingress = this.ingress();
    if (addr && ingress) this.pools.get(ingress.ID)?.reserve(addr);
  }

  /**
   * A load-balancer address on the ingress network for a node that has none ("10.0.0.4/24"),
   * or undefined when it has one already or the swarm has no ingress network.
   */
  allocateNode(n: NodeObject): string | undefined {
    const ingress = this.ingress();
    if (!ingress || nodeIngressAddr(n)) return undefined;
    return this.pools.get(ingress.ID)?.allocate();
  }

  /** Gives back a node's load-balancer address (the node was removed). */
  releaseNode(n: NodeObject): void {
    const addr = nodeIngressAddr(n);
    const ingress = this.ingress();
    if (addr && ingress) this.pools.get(ingress.ID)?.release(addr);
  }

  /** Gives back the task's addresses (the task was deleted). */
  releaseTask(t: TaskObject): void {
    for (const a of t.NetworksAttachments ?? [])
      for (const addr of a.Addresses) this.pools.get(a.Network.ID)?.release(addr);
  }
}
