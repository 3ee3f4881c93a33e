import { createLogger, type Logger } from '../../../src/util';
import type { NetworkView } from '../../../src/rpc';
import type { NetworkDnsServer } from '../dns-server';
import type { CreateSandboxOptions, NetworkManager } from '../network-manager';
import type { SandboxInfo } from '../types';
import type { OverlayDriver } from './overlay-driver';
import { EMBEDDED_DNS } from './overlay-ruleset';
import type { OverlayAttachment } from './overlay-types';

/** What the engine asks of the network for a container's sandbox. */
export type SandboxNetwork = Pick<NetworkManager, 'createSandbox' | 'releaseSandbox'>;

interface Binding {
  taskId: string;
  attachments: OverlayAttachment[];
}

export interface OverlaySandboxesOptions {
  network: SandboxNetwork;
  driver: OverlayDriver;
  /** The name server behind 127.0.0.11; without it containers keep the bridge network's resolv.conf. */
  nameServer?: NetworkDnsServer;
  /** The routing mesh, given the ingress view (or none) after every set of views. */
  mesh?: { setView(view: NetworkView | undefined, nodeId: string): Promise<void> };
  logger?: Logger;
}

/**
 * The engine's network with overlay attachments added: a container bound to a task's overlay
 * networks (bind(), before it starts) gets them wired into its namespace once the bridge
 * network has made it, before its process runs, and resolv.conf pointing at 127.0.0.11 with
 * ndots:0 (as Docker's swarm tasks have). Releasing the sandbox takes it off them. Containers
 * without a binding get exactly the bridge network's sandbox.
 */
export class OverlaySandboxes implements SandboxNetwork {
  private readonly bindings = new Map<string, Binding>();
  private readonly log: Logger;
  private serving = false;

  constructor(private readonly o: OverlaySandboxesOptions) {
    this.log = o.logger ?? createLogger('overlay');
  }

  /** Starts the name server (a taken port leaves names unanswered, not the daemon down). Idempotent. */
  async start(): Promise<void> {
    if (this.serving || !this.o.nameServer) return;
    try {
      await this.o.nameServer.start();
      this.serving = true;
    } catch (err) {
      this.log.warn('no name server for overlay networks', { err });
    }
  }

  async stop(): Promise<void> {
    if (this.serving) await this.o.nameServer?.close();
    this.serving = false;
  }

  /** The overlay networks a container joins when it starts (its task's attachments). */
  bind(containerId: string, taskId: string, attachments: OverlayAttachment[]): void {
    if (attachments.length) this.bindings.set(containerId, { taskId, attachments });
    else this.bindings.delete(containerId);
  }

  /** A running container found after a restart: wires again what is missing (idempotent). */
  async adopt(containerId: string, taskId: string, attachments: OverlayAttachment[], sb: SandboxInfo): Promise<void> {
    this.bind(containerId, taskId, attachments);
    if (!attachments.length || !sb.netnsPath) return;
    await this.o.driver.attach({
      taskId,
      netns: netnsName(sb.netnsPath),
      defaultAddr: sb.IPAddress || undefined,
      attachments,
    });
  }

  /** Removes overlay namespaces no local container needs (an earlier run's, whose containers died meanwhile). */
  sweep(): Promise<void> {
    return this.o.driver.sweep();
  }

  /** The latest view of every network this node's tasks attach to. */
  setViews(views: readonly NetworkView[], nodeId?: string): void {
    if (nodeId && this.o.mesh)
      void this.o.mesh
        .setView(
          views.find((v) => v.Ingress),
          nodeId,
        )
        .catch((err) => this.log.warn('ingress view not applied', { err }));
    this.o.driver.retainViews(new Set(views.map((v) => v.ID)));
    for (const v of views)
      void this.o.driver.setView(v).catch((err) => this.log.warn('network view not applied', { network: v.ID, err }));
  }

  async createSandbox(containerId: string, opts?: CreateSandboxOptions): Promise<SandboxInfo> {
    const b = this.bindings.get(containerId);
    // The overlay interfaces go into the namespace before the process starts: it needs a name.
    const sb = await this.o.network.createSandbox(containerId, b ? { ...opts, runtimeNamespace: false } : opts);
    if (!b || !sb.netnsPath) return sb;
    try {
      await this.o.driver.attach({
        taskId: b.taskId,
        netns: netnsName(sb.netnsPath),
        defaultAddr: sb.IPAddress || undefined,
        attachments: b.attachments,
        fresh: true,
      });
    } catch (err) {
      await this.o.driver.detach(b.taskId).catch(() => undefined);
      await this.o.network.releaseSandbox(containerId).catch(() => undefined);
      throw err;
    }
    if (!this.serving || !sb.IPAddress) return sb;
    return { ...sb, DnsServers: [EMBEDDED_DNS], DnsOptions: ['ndots:0'] };
  }

  async releaseSandbox(containerId: string): Promise<void> {
    const b = this.bindings.get(containerId);
    if (b) {
      this.bindings.delete(containerId);
      await this.o.driver
        .detach(b.taskId)
        .catch((err) => this.log.warn('overlay detach failed', { containerId, task: b.taskId, err }));
    }
    await this.o.network.releaseSandbox(containerId);
  }
}

function netnsName(netnsPath: string): string {
  return netnsPath.slice(netnsPath.lastIndexOf('/') + 1);
}
