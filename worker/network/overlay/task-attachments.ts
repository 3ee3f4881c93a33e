import type { NetworkAttachment } from '../../../src/api';
import { VXLAN_ID_OPTION } from '../../../src/rpc';
import type { OverlayAttachment } from './overlay-types';

/**
 * The overlay networks of a task's NetworksAttachments, as the driver wires them, the ingress
 * network included (the routing mesh reaches the task there). Attachments without a VXLAN
 * id, an IPv4 address or a subnet are left out: the managers have not allocated them.
 */
export function overlayAttachments(list: readonly NetworkAttachment[] | undefined): OverlayAttachment[] {
  const out: OverlayAttachment[] = [];
  for (const a of list ?? []) {
    const n = a.Network;
    if (!n?.ID || n.DriverState?.Name !== 'overlay') continue;
    const vni = Number((n.DriverState.Options?.[VXLAN_ID_OPTION] ?? '').split(',')[0]);
    const cfg = (n.IPAMOptions?.Configs ?? n.Spec.IPAMOptions?.Configs ?? []).find((c) => c.Subnet?.includes('.'));
    const addr = (a.Addresses ?? []).map((x) => /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(x)).find(Boolean);
    if (!Number.isInteger(vni) || vni <= 0 || !cfg?.Subnet || !addr) continue;
    out.push({
      networkId: n.ID,
      networkName: n.Spec.Name,
      vni,
      subnet: cfg.Subnet,
      gateway: cfg.Gateway ?? '',
      addr: addr[1],
      prefixLen: Number(addr[2]),
    });
  }
  return out;
}
