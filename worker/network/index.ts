export { NetworkManager, type NetworkManagerOptions, type CreateSandboxOptions } from './network-manager';
export type {
  BuiltinNetworkName,
  EndpointSettings,
  NetworkContainer,
  NetworkMode,
  NetworkResource,
  PortBinding,
  PortBindings,
  PortMap,
  SandboxInfo,
} from './types';
export {
  parsePortBindings,
  parseExposedPorts,
  formatPortMap,
  type PortRequest,
  type PublishedPort,
} from './port-bindings';
export { CniPluginError } from './cni-runner';
export { containerHostsFile, containerResolvConf } from './container-files';
export { filterNetworks, type NetworkFilters } from './network-filters';
export type { NetworkCreateRequest } from './network-def';
export {
  OverlayDriver,
  OverlaySandboxes,
  overlayAttachments,
  overlayNameServer,
  type LocalEndpoint,
  type OverlayAttachment,
  type OverlayDriverOptions,
  type SandboxNetwork,
} from './overlay';
export { resolvConfNameservers } from './dns-server';
