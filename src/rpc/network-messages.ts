/**
 * What a worker needs to wire one overlay network: its VXLAN id and subnet, every endpoint on it
 * in the cluster with the underlay address of the node that holds it (static FDB and neighbour
 * entries, no gossip), and the name records its DNS server answers and its VIPs balance over.
 * The dispatcher sends a node one view per network its tasks attach to, as an assignment, and a
 * new view whenever an endpoint or service on the network changes; a view replaces the last.
 */

/** One task's address on the network. */
export interface NetworkEndpoint {
  readonly TaskID: string;
  /** The task's name, `<service>.<slot>.<task id>` (or `<service>.<node id>.<task id>`). */
  readonly TaskName: string;
  readonly ServiceID: string;
  readonly NodeID: string;
  /** The underlay address of the task's node (its swarm Status.Addr). */
  readonly NodeAddr: string;
  /** The task's address on this network, without a prefix length ("10.0.1.3"). */
  readonly Addr: string;
}

/** One service attached to the network, as its DNS records and VIP need it. */
export interface NetworkServiceRecord {
  readonly ServiceID: string;
  readonly Name: string;
  /** Extra names (the network attachment's Aliases; stack deploy sets the short service name). */
  readonly Aliases: readonly string[];
  readonly Mode: 'vip' | 'dnsrr';
  /** The service's VIP on this network, without a prefix length; absent in dnsrr mode. */
  readonly VIP?: string;
  /** The addresses of its tasks that are running (what the VIP balances over, what dnsrr returns). */
  readonly Backends: readonly string[];
  /** On the ingress network only: the service's ingress-mode published ports (the routing mesh's). */
  readonly Ports?: readonly IngressPort[];
}

export interface IngressPort {
  readonly Protocol: 'tcp' | 'udp' | 'sctp';
  readonly TargetPort: number;
  readonly PublishedPort: number;
}

/** A node's load-balancer endpoint on the ingress network (Docker's ingress-sbox). */
export interface LoadBalancerEndpoint {
  readonly NodeID: string;
  /** The node's underlay address (its Status.Addr). */
  readonly NodeAddr: string;
  /** Its address on the ingress network, without a prefix length. */
  readonly Addr: string;
}

export interface NetworkView {
  /** The swarm network's ID. */
  readonly ID: string;
  readonly Name: string;
  readonly VNI: number;
  /** "10.0.1.0/24". */
  readonly Subnet: string;
  /** "10.0.1.1". */
  readonly Gateway: string;
  readonly Internal: boolean;
  readonly Ingress: boolean;
  /** The store index this view was built at: a view with a lower one than the last is stale. */
  readonly Version: number;
  readonly Endpoints: readonly NetworkEndpoint[];
  readonly Services: readonly NetworkServiceRecord[];
  /** On the ingress network only: every node's load-balancer endpoint. */
  readonly LoadBalancers?: readonly LoadBalancerEndpoint[];
}

/** Docker's overlay MAC for an address: 02:42 and the four bytes of the IPv4 address. */
export function overlayMac(addr: string): string {
  const hex = addr.split('.').map((b) => Number(b).toString(16).padStart(2, '0'));
  return ['02', '42', ...hex].join(':');
}

/** Docker's DriverState option that carries a network's VXLAN id. */
export const VXLAN_ID_OPTION = 'com.docker.network.driver.overlay.vxlanid_list';
