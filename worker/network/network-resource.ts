import type { NetworkDef } from './network-def';
import type { NetworkContainer, NetworkResource } from './types';

const DRIVER: Record<NetworkDef['kind'], NetworkResource['Driver']> = { bridge: 'bridge', host: 'host', none: 'null' };

/** Docker's JSON for a network, as `docker network inspect` shows it. */
export function networkResource(
  def: NetworkDef,
  containers: Record<string, NetworkContainer>,
  mtu: number,
): NetworkResource {
  const isBridge = def.kind === 'bridge';
  const options: Record<string, string> =
    isBridge && def.builtin
      ? {
          'com.docker.network.bridge.default_bridge': 'true',
          'com.docker.network.bridge.enable_icc': 'true',
          'com.docker.network.bridge.enable_ip_masquerade': 'true',
          'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
          'com.docker.network.bridge.name': def.bridgeName ?? '',
          'com.docker.network.driver.mtu': String(mtu),
        }
      : { ...def.options };
  return {
    Name: def.name,
    Id: def.id,
    Created: def.created,
    Scope: 'local',
    Driver: DRIVER[def.kind],
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: isBridge ? [{ Subnet: def.subnet ?? '', Gateway: def.gateway ?? '' }] : [],
    },
    Internal: def.internal,
    Attachable: def.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: options,
    Labels: { ...def.labels },
  };
}
