export { OverlayDriver, type OverlayDriverOptions } from './overlay-driver';
export type { LocalEndpoint, OverlayAttachment } from './overlay-types';
export { overlayLookup } from './overlay-records';
export { containerRuleset, EMBEDDED_DNS, OVERLAY_TABLE } from './overlay-ruleset';
export { overlayNetnsName } from './overlay-names';
export { overlayNameServer, type OverlayNameServerOptions } from './overlay-name-server';
export { OverlaySandboxes, type OverlaySandboxesOptions, type SandboxNetwork } from './overlay-sandboxes';
export { overlayAttachments } from './task-attachments';
