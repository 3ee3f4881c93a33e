import type { BuiltinNetworkName, NetworkContainer, NetworkResource } from './types';

export interface BuiltinNetworkFacts {
  name: BuiltinNetworkName;
  id: string;
  created: string;
  /** bridge only */
  subnet?: string;
  gateway?: string;
  bridgeName?: string;
  mtu?: number;
}

const DRIVER: Record<BuiltinNetworkName, NetworkResource['Driver']> = { bridge: 'bridge', host: 'host', none: 'null' };

/** Docker's JSON for one of the built-in networks, as `docker network inspect` shows it. */
export function builtinNetworkResource(
  f: BuiltinNetworkFacts,
  containers: Record<string, NetworkContainer>,
): NetworkResource {
  const isBridge = f.name === 'bridge';
  return {
    Name: f.name,
    Id: f.id,
    Created: f.created,
    Scope: 'local',
    Driver: DRIVER[f.name],
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: isBridge ? [{ Subnet: f.subnet ?? '', Gateway: f.gateway ?? '' }] : [],
    },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: isBridge
      ? {
          'com.docker.network.bridge.default_bridge': 'true',
          'com.docker.network.bridge.enable_icc': 'true',
          'com.docker.network.bridge.enable_ip_masquerade': 'true',
          'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
          'com.docker.network.bridge.name': f.bridgeName ?? '',
          'com.docker.network.driver.mtu': String(f.mtu ?? 1500),
        }
      : {},
    Labels: {},
  };
}
