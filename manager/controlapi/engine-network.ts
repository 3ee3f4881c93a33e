/**
 * A stored swarm network as the Engine API's network list and inspect show it (Docker's
 * NetworkResource with Scope "swarm"), not the swarm shape tasks carry.
 */
import type { NetworkObject, NetworkResource } from '../../src/api';
import { VXLAN_ID_OPTION } from '../../src/rpc';

/** A swarm network's resource: overlay, swarm scope, no local containers listed. */
export type SwarmNetworkResource = NetworkResource & {
  Scope: 'swarm';
  Driver: 'overlay';
  Containers: Record<string, never>;
};

export function engineNetwork(n: NetworkObject): SwarmNetworkResource {
  const configs = n.IPAMOptions?.Configs ?? [];
  const vni = n.DriverState?.Options?.[VXLAN_ID_OPTION];
  return {
    Name: n.Spec.Name,
    Id: n.ID,
    Created: n.CreatedAt,
    Scope: 'swarm',
    Driver: 'overlay',
    EnableIPv6: n.Spec.IPv6Enabled ?? false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: configs.map((c) => ({ Subnet: c.Subnet ?? '', Gateway: c.Gateway ?? '' })),
    },
    Internal: n.Spec.Internal ?? false,
    Attachable: n.Spec.Attachable ?? false,
    Ingress: n.Spec.Ingress ?? false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: { ...(n.Spec.DriverConfiguration?.Options ?? {}), ...(vni ? { [VXLAN_ID_OPTION]: vni } : {}) },
    Labels: { ...(n.Spec.Labels ?? {}) },
  };
}
