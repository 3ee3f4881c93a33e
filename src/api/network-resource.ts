/** Docker's network shapes of the Engine API, shared by the local networks and the swarm's. */

/** `Containers[id]` of a network inspect. */
export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** Docker's network resource, as `GET /networks` and `GET /networks/{id}` answer. */
export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local' | 'swarm';
  Driver: 'bridge' | 'host' | 'null' | 'overlay';
  EnableIPv6: boolean;
  IPAM: { Driver: 'default'; Options: null; Config: Array<{ Subnet: string; Gateway?: string }> };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}
