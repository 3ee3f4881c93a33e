/**
 * The NetworkView of each swarm network, as the dispatcher sends it to the nodes whose tasks
 * attach to it: every live endpoint on the network in the cluster (with its node's underlay
 * address) and the services on it with their VIP and running backends. One instance serves
 * every session: the views of a store index are built once, from one pass over the tasks,
 * and only for the networks asked for; a view whose content did not change keeps the object
 * (and Version) it had, so Version is the index at which its content last changed.
 */
import { TASK_STATES, type NetworkObject, type NodeObject, type ServiceObject, type TaskObject } from '../../src/api';
import type {
  IngressPort,
  LoadBalancerEndpoint,
  NetworkEndpoint,
  NetworkServiceRecord,
  NetworkView,
} from '../../src/rpc';
import type { ReadTx } from '../../src/store';
import { attachedNetworkIds, ingressPorts, networkGateway, networkSubnet, networkVni } from '../allocator';
import { nodeIngressAddr } from '../internal-fields';

const rank = (s: string) => TASK_STATES.indexOf(s as (typeof TASK_STATES)[number]);
const ASSIGNED = rank('assigned');
const COMPLETE = rank('complete');

const bare = (addr: string) => addr.split('/')[0]!;
const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** A task's address on `networkId`, without its prefix length, or undefined. */
export function taskAddress(t: TaskObject, networkId: string): string | undefined {
  const a = t.NetworksAttachments?.find((x) => x.Network.ID === networkId)?.Addresses[0];
  return a ? bare(a) : undefined;
}

/** Whether a task's address is live: the task is on a node and not yet terminal. */
export function isLiveEndpoint(t: TaskObject): boolean {
  const s = rank(t.Status.State);
  return !!t.NodeID && s >= ASSIGNED && s < COMPLETE;
}

/** Whether a task is one its service's VIP and DNS name should lead to. */
export function isBackend(t: TaskObject): boolean {
  return t.Status.State === 'running' && t.DesiredState === 'running';
}

/** Whether a service is on the network: attached by its spec, or publishing through ingress. */
export function serviceOnNetwork(s: ServiceObject, n: NetworkObject): boolean {
  return n.Spec.Ingress ? ingressPorts(s.Spec.EndpointSpec?.Ports).length > 0 : attachedNetworkIds(s).includes(n.ID);
}

/** The ingress ports the allocator has settled for a service (a PublishedPort given). */
export function servicePublishedPorts(s: ServiceObject): IngressPort[] {
  return ingressPorts(s.Endpoint?.Ports)
    .filter((p) => p.PublishedPort && p.TargetPort)
    .map((p) => ({ Protocol: p.Protocol ?? 'tcp', TargetPort: p.TargetPort!, PublishedPort: p.PublishedPort! }));
}

/** Whether any service publishes an ingress port: then every node serves the routing mesh. */
export function meshActive(services: readonly ServiceObject[]): boolean {
  return services.some((s) => servicePublishedPorts(s).length > 0);
}

/** The load-balancer endpoint of every node that has one and an underlay address, by node ID. */
export function loadBalancers(nodes: readonly NodeObject[]): LoadBalancerEndpoint[] {
  const out: LoadBalancerEndpoint[] = [];
  for (const n of nodes) {
    const addr = nodeIngressAddr(n);
    if (addr && n.Status?.Addr) out.push({ NodeID: n.ID, NodeAddr: n.Status.Addr, Addr: bare(addr) });
  }
  return out.sort(byKey((l) => l.NodeID));
}

/**
 * The view of network `n` (pure). `tasks` are the tasks with an address on it; `nodeAddr`
 * gives a node's Status.Addr; `lbs` are the nodes' load-balancer endpoints (ingress only).
 */
export function buildNetworkView(
  n: NetworkObject,
  tasks: readonly TaskObject[],
  services: readonly ServiceObject[],
  nodeAddr: (id: string) => string | undefined,
  version: number,
  lbs: readonly LoadBalancerEndpoint[] = [],
): NetworkView {
  const ingress = n.Spec.Ingress ?? false;
  const endpoints: NetworkEndpoint[] = [];
  const backends = new Map<string, string[]>();
  for (const t of tasks) {
    const addr = taskAddress(t, n.ID);
    if (!addr) continue;
    if (isLiveEndpoint(t))
      endpoints.push({
        TaskID: t.ID,
        TaskName: t.Name ?? '',
        ServiceID: t.ServiceID,
        NodeID: t.NodeID!,
        NodeAddr: nodeAddr(t.NodeID!) ?? '',
        Addr: addr,
      });
    if (isBackend(t)) {
      const list = backends.get(t.ServiceID) ?? [];
      list.push(addr);
      backends.set(t.ServiceID, list);
    }
  }
  const records: NetworkServiceRecord[] = services
    .filter((s) => serviceOnNetwork(s, n))
    .map((s) => {
      const mode = s.Endpoint?.Spec?.Mode ?? s.Spec.EndpointSpec?.Mode ?? 'vip';
      const vip = s.Endpoint?.VirtualIPs?.find((v) => v.NetworkID === n.ID)?.Addr;
      const aliases = (s.Spec.TaskTemplate.Networks ?? s.Spec.Networks ?? [])
        .filter((x) => x.Target === n.ID)
        .flatMap((x) => x.Aliases ?? []);
      const r: NetworkServiceRecord = {
        ServiceID: s.ID,
        Name: s.Spec.Name,
        Aliases: [...new Set(aliases)],
        Mode: mode,
        ...(mode === 'vip' && vip ? { VIP: bare(vip) } : {}),
        Backends: (backends.get(s.ID) ?? []).sort(),
        ...(ingress ? { Ports: servicePublishedPorts(s) } : {}),
      };
      return r;
    });
  return {
    ID: n.ID,
    Name: n.Spec.Name,
    VNI: networkVni(n) ?? 0,
    Subnet: networkSubnet(n) ?? '',
    Gateway: networkGateway(n) ?? '',
    Internal: n.Spec.Internal ?? false,
    Ingress: n.Spec.Ingress ?? false,
    Version: version,
    Endpoints: endpoints.sort(byKey((e) => e.TaskID)),
    Services: records.sort(byKey((r) => r.ServiceID)),
    ...(ingress ? { LoadBalancers: [...lbs] } : {}),
  };
}

/** The view without its Version, for "did it change". */
export function networkViewKey(v: NetworkView): string {
  const { Version: _v, ...rest } = v;
  return JSON.stringify(rest);
}

/** The network IDs a node's tasks attach to. */
export function networksOfTasks(tasks: readonly TaskObject[]): string[] {
  const ids = new Set<string>();
  for (const t of tasks) for (const a of t.NetworksAttachments ?? []) ids.add(a.Network.ID);
  return [...ids].sort();
}

export class NetworkViews {
  private index = -1;
  /** Built on the first view asked for at an index: nodes whose tasks use no network never pay the scan. */
  private tasksByNetwork: Map<string, TaskObject[]> | undefined;
  private built = new Map<string, NetworkView>();
  private mesh: string | undefined;
  /** The last view of each network and its key: an unchanged view keeps its object and Version. */
  private last = new Map<string, { view: NetworkView; key: string }>();
  /** Views built since creation (tests, to see the sharing). */
  builds = 0;

  /** The view of network `id` in `tx`, or undefined when the network is gone. */
  view(tx: ReadTx, id: string): NetworkView | undefined {
    if (tx.index !== this.index) this.reset(tx);
    const cached = this.built.get(id);
    if (cached) return cached;
    const n = tx.get('network', id);
    if (!n) {
      this.last.delete(id);
      return undefined;
    }
    const nodes = new Map<string, NodeObject | undefined>();
    const nodeAddr = (nodeId: string) => {
      if (!nodes.has(nodeId)) nodes.set(nodeId, tx.get('node', nodeId));
      return nodes.get(nodeId)?.Status?.Addr;
    };
    this.builds++;
    const lbs = n.Spec.Ingress ? loadBalancers(tx.find('node')) : [];
    this.tasksByNetwork ??= tasksByNetwork(tx);
    const fresh = buildNetworkView(n, this.tasksByNetwork.get(id) ?? [], tx.find('service'), nodeAddr, tx.index, lbs);
    const key = networkViewKey(fresh);
    const prev = this.last.get(id);
    const view = prev && prev.key === key ? prev.view : fresh;
    if (view === fresh) this.last.set(id, { view, key });
    this.built.set(id, view);
    return view;
  }

  /** The ingress network's ID when the routing mesh is in use (a service publishes an ingress port). */
  meshNetwork(tx: ReadTx): string | undefined {
    if (tx.index !== this.index) this.reset(tx);
    return this.mesh;
  }

  private reset(tx: ReadTx): void {
    const services = tx.find('service');
    this.mesh = meshActive(services) ? tx.find('network').find((n) => n.Spec.Ingress)?.ID : undefined;
    this.index = tx.index;
    this.built = new Map();
    this.tasksByNetwork = undefined;
  }
}

/** The tasks with an address on each network, by network ID. */
function tasksByNetwork(tx: ReadTx): Map<string, TaskObject[]> {
  const out = new Map<string, TaskObject[]>();
  for (const t of tx.find('task', { where: (x) => !!x.NetworksAttachments?.length }))
    for (const a of t.NetworksAttachments!) {
      const list = out.get(a.Network.ID) ?? [];
      list.push(t);
      out.set(a.Network.ID, list);
    }
  return out;
}
