import type { NetworkView } from '../../../src/rpc';
import type { OverlayAttachment, SandboxInfo } from '../../network';

/**
 * The overlay side of a node's tasks (worker/network's OverlaySandboxes): which overlay
 * networks a task's container joins when it starts, re-wiring of running containers after a
 * restart, and the views of the networks with their peers, names and VIPs.
 */
export interface TaskNetworks {
  bind(containerId: string, taskId: string, attachments: OverlayAttachment[]): void;
  adopt(containerId: string, taskId: string, attachments: OverlayAttachment[], sandbox: SandboxInfo): Promise<void>;
  /** `nodeId` is this node's: the routing mesh finds its own load balancer in the ingress view by it. */
  setViews(views: readonly NetworkView[], nodeId?: string): void;
  /** Removes what no adopted or bound task needs any more (after a restart's first assignments). */
  sweep(): Promise<void>;
}
