import { createHash } from 'node:crypto';
import { formatIpv4, parseIpv4 } from '../../../src/api';
import type { IngressPort, NetworkServiceRecord } from '../../../src/rpc';

/** The nftables table the routing mesh owns in the ingress namespace. */
export const INGRESS_TABLE = 'tsswarm_ingress';
/** The ingress namespace's end of the link from the host. */
export const INGRESS_LINK = 'ig0';

/**
 * The small private link between the host namespace and the ingress namespace of one daemon:
 * a /30 of 169.254.0.0/16 and a host-side device name, both from the daemon's prefix (its
 * bridge name), so daemons sharing a machine do not collide.
 */
export interface IngressLink {
  hostDev: string;
  hostAddr: string;
  nsAddr: string;
}

export function ingressLink(prefix: string): IngressLink {
  const h = createHash('sha256').update(prefix).digest();
  // Skip the first and last /30s of 169.254.0.0/16 (the ranges RFC 3927 reserves).
  const slot = 1 + (h.readUInt16BE(0) % 16382);
  const base = parseIpv4('169.254.0.0')! + slot * 4;
  return {
    hostDev: `tsig${h.toString('hex').slice(0, 8)}`,
    hostAddr: formatIpv4(base + 1),
    nsAddr: formatIpv4(base + 2),
  };
}

/** The nftables table of the host namespace for a daemon (table names take letters, digits, _). */
export function hostTableName(prefix: string): string {
  return `tsswarm_ingress_${prefix.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** The published ports of the services that have them, each once (the first service keeps it). */
export function publishedPorts(services: readonly NetworkServiceRecord[]): Array<IngressPort & { backends: string[] }> {
  const out = new Map<string, IngressPort & { backends: string[] }>();
  for (const s of services)
    for (const p of s.Ports ?? []) {
      const k = `${p.Protocol}/${p.PublishedPort}`;
      if (!out.has(k)) out.set(k, { ...p, backends: [...new Set(s.Backends)].sort() });
    }
  return [...out.values()].sort((a, b) => a.PublishedPort - b.PublishedPort || (a.Protocol < b.Protocol ? -1 : 1));
}

const replace = (table: string, body: string[]) =>
  [`table ip ${table} {}`, `delete table ip ${table}`, ...body, ''].join('\n');

/**
 * The host namespace's table: connections to a published port on any of the host's own
 * addresses, arriving or made here, go to the ingress namespace's link address. Those made
 * from loopback (localhost:8080, as Docker allows) leave over the link masqueraded to the
 * host's end of it, which needs route_localnet on that device.
 */
export function hostRuleset(table: string, ports: readonly IngressPort[], nsAddr: string, hostDev: string): string {
  const rules = ports.map((p) => `fib daddr type local ${p.Protocol} dport ${p.PublishedPort} dnat to ${nsAddr}`);
  const chain = (name: string, hook: string) => [
    `  chain ${name} {`,
    `    type nat hook ${hook} priority -100; policy accept;`,
    ...rules.map((r) => `    ${r}`),
    '  }',
  ];
  return replace(table, [
    `table ip ${table} {`,
    ...chain('prerouting', 'prerouting'),
    ...chain('output', 'output'),
    '  chain postrouting {',
    '    type nat hook postrouting priority 100; policy accept;',
    `    oifname "${hostDev}" ip saddr 127.0.0.0/8 masquerade`,
    '  }',
    '}',
  ]);
}

/**
 * The ingress namespace's table: what comes in over the link at a published port is DNATed
 * to `numgen inc` over the service's backends at its target port (new connections take turns,
 * conntrack keeps each on its backend) and leaves onto the overlay from this node's
 * load-balancer address, so the replies come back here. A port with no backend has no rule:
 * the namespace itself refuses the connection.
 */
export function meshRuleset(ports: ReturnType<typeof publishedPorts>, lbAddr: string, bridge: string): string {
  const dnat: string[] = [];
  for (const p of ports) {
    if (!p.backends.length) continue;
    const map = p.backends.map((b, i) => `${i} : ${b}`).join(', ');
    const to = `numgen inc mod ${p.backends.length} map { ${map} } : ${p.TargetPort}`;
    dnat.push(`iifname "${INGRESS_LINK}" ${p.Protocol} dport ${p.PublishedPort} dnat to ${to}`);
  }
  return replace(INGRESS_TABLE, [
    `table ip ${INGRESS_TABLE} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority -100; policy accept;',
    ...dnat.map((l) => `    ${l}`),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority 100; policy accept;',
    `    iifname "${INGRESS_LINK}" oifname "${bridge}" snat to ${lbAddr}`,
    '  }',
    '}',
  ]);
}
