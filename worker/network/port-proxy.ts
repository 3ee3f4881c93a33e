import dgram from 'node:dgram';
import net from 'node:net';
import { ConflictError } from '../../src/api';
import type { PortRequest, PublishedPort } from './port-bindings';

/**
 * Holds one published host port. For TCP it listens and forwards to the container, like
 * docker-proxy: iptables DNAT (CNI portmap) normally answers first, but the listening socket
 * reserves the port (so a clash with any process or another daemon is an error, not a silent
 * shadow) and keeps the port working where DNAT does not apply. For UDP it only reserves.
 */
export class PortProxy {
  private target: { host: string; port: number } | null = null;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly published: PublishedPort,
    private readonly server: net.Server | dgram.Socket,
  ) {
    if (server instanceof net.Server) server.on('connection', (s) => this.forward(s));
  }

  /** Binds the requested host port (the first free one of a range; any when 0). */
  static async open(req: PortRequest): Promise<PortProxy> {
    const host = req.hostIp || '0.0.0.0';
    const ports: number[] = [];
    if (req.hostPortMin === 0) ports.push(0);
    else for (let p = req.hostPortMin; p <= req.hostPortMax; p++) ports.push(p);
    let lastErr: unknown;
    for (const port of ports) {
      try {
        const server = req.protocol === 'tcp' ? await listenTcp(host, port) : await bindUdp(host, port);
        const addr = server.address() as net.AddressInfo;
        return new PortProxy(
          { containerPort: req.containerPort, protocol: req.protocol, hostIp: req.hostIp, hostPort: addr.port },
          server,
        );
      } catch (e) {
        lastErr = e;
      }
    }
    const want =
      req.hostPortMin === 0
        ? 'any port'
        : req.hostPortMin === req.hostPortMax
          ? `${req.hostPortMin}`
          : `${req.hostPortMin}-${req.hostPortMax}`;
    throw new ConflictError(
      `Bind for ${host}:${want}/${req.protocol} failed: port is already allocated (${(lastErr as Error)?.message ?? 'no port free'})`,
    );
  }

  /** Where TCP connections go once the container has an address. */
  setTarget(host: string, port: number): void {
    this.target = { host, port };
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => {
      if (this.server instanceof net.Server) this.server.close(() => resolve());
      else this.server.close(() => resolve());
    });
  }

  private forward(client: net.Socket): void {
    if (!this.target) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream).pipe(client);
  }
}

function listenTcp(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    sock.once('error', reject);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      sock.on('message', () => undefined);
      resolve(sock);
    });
  });
}
