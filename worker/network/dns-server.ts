import dgram from 'node:dgram';
import { parseIpv4, subnetContains, type Ipv4Subnet } from './subnet';
import { buildDnsAnswer, buildDnsServfail, DNS_CLASS_IN, DNS_TYPE_A, parseDnsQuery } from './dns-message';

/** Answers container names on one network (for the client asking); null means "not ours" (ask upstream). */
export type DnsLookup = (name: string, client: string) => string[] | null;

export interface DnsServerOptions {
  /** Address to serve on: the network's gateway on its bridge. */
  address: string;
  port?: number;
  lookup: DnsLookup;
  /** Resolvers for other names (the host's); none means other names fail (internal networks). */
  upstreams: string[];
  upstreamTimeoutMs?: number;
  /**
   * Only clients in this network (or those the function accepts) are answered, so the server is
   * no open resolver for anyone routed to it.
   */
  clients: Ipv4Subnet | ((addr: string) => boolean);
}

/**
 * A small DNS server for a user-defined network, run by the daemon on the bridge's gateway
 * address: container names, short ids and hostnames on that network resolve to their
 * addresses; other questions are relayed to the host's resolvers. UDP only.
 */
export class NetworkDnsServer {
  private socket: dgram.Socket | null = null;

  constructor(private readonly o: DnsServerOptions) {}

  async start(): Promise<void> {
    const sock = dgram.createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: this.o.address, port: this.o.port ?? 53, exclusive: true }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', () => undefined);
    sock.on('message', (msg, rinfo) => void this.handle(msg, rinfo.address, rinfo.port));
    this.socket = sock;
  }

  close(): Promise<void> {
    const sock = this.socket;
    this.socket = null;
    if (!sock) return Promise.resolve();
    return new Promise((resolve) => sock.close(() => resolve()));
  }

  private async handle(msg: Buffer, host: string, port: number): Promise<void> {
    if (!this.accepts(host)) return;
    const q = parseDnsQuery(msg);
    if (!q || !this.socket) return;
    const local = q.qclass === DNS_CLASS_IN ? this.o.lookup(q.name, host) : null;
    let reply: Buffer;
    if (local) reply = buildDnsAnswer(msg, q, q.type === DNS_TYPE_A ? local : []);
    else reply = (await this.relay(msg)) ?? buildDnsServfail(msg, q);
    this.socket?.send(reply, port, host);
  }

  private accepts(host: string): boolean {
    const c = this.o.clients;
    if (typeof c === 'function') return c(host);
    const from = parseIpv4(host);
    return from !== null && subnetContains(c, from);
  }

  private async relay(msg: Buffer): Promise<Buffer | null> {
    for (const upstream of this.o.upstreams) {
      const answer = await new Promise<Buffer | null>((resolve) => {
        const sock = dgram.createSocket('udp4');
        const done = (b: Buffer | null) => {
          clearTimeout(timer);
          sock.close();
          resolve(b);
        };
        const timer = setTimeout(() => done(null), this.o.upstreamTimeoutMs ?? 3000);
        sock.on('error', () => done(null));
        sock.on('message', (b) => {
          if (b.length >= 2 && b.readUInt16BE(0) === msg.readUInt16BE(0)) done(b);
        });
        sock.send(msg, 53, upstream);
      });
      if (answer) return answer;
    }
    return null;
  }
}

/** The nameservers of a resolv.conf text, in order. */
export function resolvConfNameservers(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(l)?.[1])
    .filter((x): x is string => Boolean(x));
}
