import type { SandboxInfo } from './types';

const LOOPBACK_NAMESERVER = /^\s*nameserver\s+(127\.\S*|::1|0\.0\.0\.0)\s*$/;
const FALLBACK_NAMESERVERS = ['nameserver 8.8.8.8', 'nameserver 8.8.4.4'];

/**
 * The container's /etc/resolv.conf from the host's, as Docker makes it: unchanged for the host
 * network; otherwise without loopback nameservers (127.0.0.53 of systemd-resolved cannot be
 * reached from a container's namespace), falling back to Google's public resolvers when none
 * is left. A container on `none` gets the same file; it has no way out anyway. On a network
 * with its own name server (`DnsServers`), that server replaces the nameserver lines.
 */
export function containerResolvConf(
  hostResolvConf: string,
  info: Pick<SandboxInfo, 'NetworkName'> & Partial<Pick<SandboxInfo, 'DnsServers' | 'DnsOptions'>>,
): string {
  if (info.NetworkName === 'host') return hostResolvConf;
  if (info.DnsServers?.length) {
    // The network's own server answers container names and relays the rest to the host's resolvers.
    const own = info.DnsOptions?.length ? /^\s*(nameserver|options)\s/ : /^\s*nameserver\s/;
    const kept = hostResolvConf.split('\n').filter((l) => l.trim() !== '' && !own.test(l));
    const options = info.DnsOptions?.length ? [`options ${info.DnsOptions.join(' ')}`] : [];
    return [...info.DnsServers.map((d) => `nameserver ${d}`), ...kept, ...options, ''].join('\n');
  }
  const lines = hostResolvConf.split('\n').filter((l) => !LOOPBACK_NAMESERVER.test(l));
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) {
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    lines.push(...FALLBACK_NAMESERVERS, '');
  }
  const out = lines.join('\n');
  return out.endsWith('\n') ? out : `${out}\n`;
}

/**
 * The container's /etc/hosts as Docker writes it: the host's file for the host network,
 * otherwise localhost entries plus the container's own address (when it has one) under its
 * hostname (and hostname.domainname).
 */
export function containerHostsFile(
  info: Pick<SandboxInfo, 'NetworkName' | 'IPAddress'>,
  hostname: string,
  hostHostsFile: string,
  domainname = '',
): string {
  if (info.NetworkName === 'host') return hostHostsFile;
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  if (info.IPAddress && hostname) {
    lines.push(`${info.IPAddress}\t${domainname ? `${hostname}.${domainname} ${hostname}` : hostname}`);
  }
  return lines.join('\n') + '\n';
}
