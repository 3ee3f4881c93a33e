/**
 * The stored shape of a swarm network, as swarmkit keeps it and tasks carry it: the user's
 * Spec, the driver's state (overlay and its VXLAN id) and the IPAM result (the subnet and
 * gateway it was given).
 */
import type { IpamConfig, NetworkObject, NetworkSpec } from '../../src/api';
import type { NewObject } from '../../src/store';
import { VXLAN_ID_OPTION } from '../../src/rpc';
import { allocateNetworkSpace, type NetworkSpace } from './network-space';

/** A network to create: `spec` as given, `space` from allocateNetworkSpace. */
export function newNetworkObject(spec: NetworkSpec, space: NetworkSpace): NewObject<'network'> {
  const config: IpamConfig = { Subnet: space.subnet, Gateway: space.gateway };
  return {
    Spec: { ...structuredClone(spec), Scope: 'swarm' },
    DriverState: { Name: 'overlay', Options: { [VXLAN_ID_OPTION]: String(space.vni) } },
    IPAMOptions: { Driver: { Name: 'default' }, Configs: [config] },
  } as NewObject<'network'>;
}

/** Docker's `ingress` network, which swarm init creates (the routing mesh's). */
export const INGRESS_SPEC: NetworkSpec = {
  Name: 'ingress',
  Labels: {},
  DriverConfiguration: {},
  Ingress: true,
  IPAMOptions: { Driver: {} },
  Scope: 'swarm',
};

/** The ingress network for a swarm whose store holds `existing` networks (none, at init). */
export function ingressNetworkObject(existing: readonly NetworkObject[] = []): NewObject<'network'> {
  return newNetworkObject(INGRESS_SPEC, allocateNetworkSpace(existing));
}
