/** One overlay network a local container attaches to, as its task's NetworksAttachments say. */
export interface OverlayAttachment {
  networkId: string;
  networkName: string;
  vni: number;
  /** "10.0.1.0/24". */
  subnet: string;
  gateway: string;
  /** The task's address, "10.0.1.3". */
  addr: string;
  prefixLen: number;
}

/** A local container on overlay networks. */
export interface LocalEndpoint {
  taskId: string;
  /** Its network namespace, by `ip netns` name. */
  netns: string;
  /**
   * Its address on its default-route interface (the bridge network's eth0), which is where its
   * DNS questions come from; without one it gets no 127.0.0.11.
   */
  defaultAddr?: string;
  attachments: readonly OverlayAttachment[];
  /** Made just now by the bridge network (lo and eth0 only): no need to look for what is there. */
  fresh?: boolean;
}
