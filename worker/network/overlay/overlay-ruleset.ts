import type { NetworkServiceRecord } from '../../../src/rpc';

/** The nftables table the overlay owns in each container namespace. */
export const OVERLAY_TABLE = 'tsswarm_overlay';
/** The address containers send DNS questions to, as Docker's embedded server. */
export const EMBEDDED_DNS = '127.0.0.11';

export interface ContainerRules {
  /** Where the daemon's name server listens, reached through the container's default-route interface. */
  dns?: { address: string; port: number };
  /** The services of every overlay network the container is on. */
  services: readonly NetworkServiceRecord[];
}

/**
 * One `nft -f` text that replaces the container's overlay table in one transaction:
 * - 127.0.0.11:53/udp goes to the daemon's name server (masqueraded to the container's own
 *   address, which is how the server knows who asks); the namespace needs route_localnet for
 *   a loopback source to leave it;
 * - each VIP with backends is DNATed, tcp and udp on every port, to `numgen inc` over them
 *   (new connections take turns; conntrack keeps a connection on its backend);
 * - a VIP with no backend is rejected at once rather than left to time out.
 */
export function containerRuleset(r: ContainerRules): string {
  const nat: string[] = [];
  const post: string[] = [];
  const empty = new Set<string>();
  if (r.dns) {
    const to = `${r.dns.address}:${r.dns.port}`;
    nat.push(`ip daddr ${EMBEDDED_DNS} udp dport 53 dnat to ${to}`);
    post.push(`ip saddr 127.0.0.0/8 ip daddr ${r.dns.address} udp dport ${r.dns.port} masquerade`);
  }
  const seen = new Set<string>();
  for (const s of r.services) {
    if (s.Mode !== 'vip' || !s.VIP || seen.has(s.VIP)) continue;
    seen.add(s.VIP);
    const backends = [...new Set(s.Backends)].sort();
    if (!backends.length) {
      empty.add(s.VIP);
      continue;
    }
    const map = backends.map((b, i) => `${i} : ${b}`).join(', ');
    nat.push(`ip daddr ${s.VIP} meta l4proto { tcp, udp } dnat to numgen inc mod ${backends.length} map { ${map} }`);
  }
  const lines = [
    `table ip ${OVERLAY_TABLE} {}`,
    `delete table ip ${OVERLAY_TABLE}`,
    `table ip ${OVERLAY_TABLE} {`,
    '  chain nat_output {',
    '    type nat hook output priority -100; policy accept;',
    ...nat.map((l) => `    ${l}`),
    '  }',
    '  chain nat_postrouting {',
    '    type nat hook postrouting priority 100; policy accept;',
    ...post.map((l) => `    ${l}`),
    '  }',
    '  chain filter_output {',
    '    type filter hook output priority 0; policy accept;',
    ...(empty.size ? [`    ip daddr { ${[...empty].sort().join(', ')} } reject`] : []),
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}

/** Removes the overlay table from a container namespace (its last overlay network left). */
export function removeRuleset(): string {
  return `table ip ${OVERLAY_TABLE} {}\ndelete table ip ${OVERLAY_TABLE}\n`;
}
