/**
 * Docker-shaped types the network layer hands to the engine and the API layer. Field names are
 * Docker's (see ../shared/docker-api/GET_networks.json and GET_containers_ID_json.json).
 */

/** `HostConfig.NetworkMode`: 'default' means 'bridge'; a user-defined network's name or id also works; `container:<id>` is not supported. */
export type NetworkMode = 'bridge' | 'host' | 'none' | 'default' | (string & {});

/** The three built-in networks every daemon has. */
export type BuiltinNetworkName = 'bridge' | 'host' | 'none';

/** One entry of `HostConfig.PortBindings` / `NetworkSettings.Ports`. */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** `HostConfig.PortBindings`: `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`. */
export type PortBindings = Record<string, PortBinding[] | null | undefined>;

/** `NetworkSettings.Ports`: published ports with their bindings, exposed-only ports as null. */
export type PortMap = Record<string, PortBinding[] | null>;

/** `NetworkSettings.Networks[name]`, Docker's EndpointSettings. */
export interface EndpointSettings {
  IPAMConfig: null;
  Links: null;
  Aliases: null;
  MacAddress: string;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DriverOpts: null;
  DNSNames: null;
}

/** What a container's network sandbox is: where its namespace is and what it got. */
export interface SandboxInfo {
  /**
   * Path of the network namespace for the OCI spec; null means the host's namespace, '' a new
   * one the runtime makes with the container (network none).
   */
  netnsPath: string | null;
  /** Name of the network joined: 'bridge', 'host', 'none' or a user-defined network. */
  NetworkName: string;
  NetworkID: string;
  EndpointID: string;
  /** Empty strings / 0 for host and none. */
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  /** `NetworkSettings.Ports`. */
  Ports: PortMap;
  /** `NetworkSettings.Networks`, one entry (the network joined). */
  Networks: Record<string, EndpointSettings>;
  /** `NetworkSettings.SandboxKey`: the netns path, or '' for the host namespace (and a runtime-made one until it runs). */
  SandboxKey: string;
  /** Name servers the network serves for its containers (user-defined networks: the gateway); put them in resolv.conf. */
  DnsServers: string[];
  /** resolv.conf options that go with DnsServers, replacing the host's (overlay networks: ndots:0). */
  DnsOptions?: string[];
}

export type { NetworkContainer, NetworkResource } from '../../src/api';
