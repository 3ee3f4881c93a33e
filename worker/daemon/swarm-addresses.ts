/** Docker's rules for the cluster listen and advertise addresses. */
import * as os from 'node:os';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../src/api';
import { DEFAULT_CLUSTER_PORT } from '../../src/rpc';

function split(addr: string): { host: string; port?: number } {
  const m = /^\[?([^\]]*?)\]?(?::(\d{1,5}))?$/.exec(addr.trim());
  if (!m) throw new InvalidArgumentError(`invalid address: ${addr}`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : undefined };
}

function join(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** ListenAddr with Docker's default 0.0.0.0:2377 and default port. */
export function resolveListenAddr(listen: string | undefined): string {
  const { host, port } = split(listen || `0.0.0.0:${DEFAULT_CLUSTER_PORT}`);
  return join(host || '0.0.0.0', port ?? DEFAULT_CLUSTER_PORT);
}

/**
 * AdvertiseAddr: as given (the listen port when it has none); when absent, the listen host if
 * it is a specific address, or else the host's only non-loopback IPv4 address (Docker asks for
 * --advertise-addr when there are several; we take the first).
 */
export function resolveAdvertiseAddr(advertise: string | undefined, listenAddr: string): string {
  const listen = split(listenAddr);
  if (advertise) {
    const a = split(advertise);
    if (!a.host)
      throw new InvalidArgumentError(
        `advertise address must be a non-zero IP address or network interface (with optional port number): ${advertise}`,
      );
    return join(resolveInterface(a.host), a.port ?? listen.port ?? DEFAULT_CLUSTER_PORT);
  }
  if (listen.host && listen.host !== '0.0.0.0' && listen.host !== '::') return join(listen.host, listen.port!);
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return join(a.address, listen.port!);
  }
  throw new InvalidArgumentError(
    'could not choose an IP address to advertise since this system has no non-loopback address; use --advertise-addr',
  );
}

/** An interface name becomes its first IPv4 address. */
function resolveInterface(host: string): string {
  if (isIP(host)) return host;
  const ifc = os.networkInterfaces()[host];
  const v4 = ifc?.find((a) => a.family === 'IPv4');
  return v4 ? v4.address : host;
}

/** A remote manager address with the default port when it has none. */
export function withClusterPort(addr: string): string {
  const { host, port } = split(addr);
  return join(host, port ?? DEFAULT_CLUSTER_PORT);
}
