/** The CNI network configuration list this daemon runs for bridge containers. */
export interface CniConflist {
  cniVersion: string;
  name: string;
  plugins: Array<Record<string, unknown> & { type: string }>;
}

export interface BridgeConflistOptions {
  /** Network name in CNI terms; unique per daemon (it keys host-local's files and iptables chains). */
  name: string;
  bridgeName: string;
  subnet: string;
  gateway: string;
  mtu: number;
  ipamDataDir: string;
  /** Add portmap; left out when nothing is published, which spares its iptables work on ADD and DEL. */
  portmap: boolean;
  /** No way out: no gateway on the bridge, no masquerade, no default route (Docker's --internal). */
  internal?: boolean;
}

/**
 * bridge (gateway on the bridge, masquerade for traffic leaving the subnet, hairpin so a
 * container reaches its own published ports) with host-local addresses, then portmap for `-p`.
 */
export function bridgeConflist(o: BridgeConflistOptions): CniConflist {
  return {
    cniVersion: '1.0.0',
    name: o.name,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridgeName,
        isGateway: !o.internal,
        ipMasq: !o.internal,
        hairpinMode: true,
        mtu: o.mtu,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: o.subnet, gateway: o.gateway }]],
          routes: o.internal ? [] : [{ dst: '0.0.0.0/0' }],
          dataDir: o.ipamDataDir,
        },
      },
      ...(o.portmap ? [{ type: 'portmap', capabilities: { portMappings: true }, snat: true }] : []),
    ],
  };
}
