import { createHash } from 'node:crypto';

/** The vxlan device inside a network's namespace, and the bridge it is a port of. */
export const VXLAN_DEVICE = 'vxlan0';
export const OVERLAY_BRIDGE = 'br0';
/** Docker's VXLAN port (IANA). */
export const VXLAN_PORT = 4789;
/** VXLAN over IPv4 adds 50 bytes (outer Ethernet 14, IPv4 20, UDP 8, VXLAN 8). */
export const VXLAN_OVERHEAD = 50;

/**
 * The namespace holding one overlay network's bridge on this host: the daemon's prefix (its
 * bridge name, which is unique per daemon on a machine) and the VNI, as `ip netns` names it.
 */
export function overlayNetnsName(prefix: string, vni: number): string {
  return `${prefix}-ov${vni}`;
}

/**
 * The vxlan device's name in the daemon's namespace, for the moment between its creation and
 * its move into the network's namespace: per daemon (its prefix) and VNI, 15 characters at most.
 */
export function vxlanStagingName(prefix: string, vni: number): string {
  return `tsv${createHash('sha256').update(prefix).digest('hex').slice(0, 4)}${vni}`.slice(0, 15);
}

/** The bridge-side end of a container's veth, in the network's namespace: short and stable per task and network. */
export function endpointVethName(networkId: string, taskId: string): string {
  return `vo${createHash('sha256').update(`${networkId}/${taskId}`).digest('hex').slice(0, 12)}`;
}
