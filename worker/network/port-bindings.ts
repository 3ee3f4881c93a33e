import { InvalidArgumentError } from '../../src/api';
import { parseIpv4 } from './subnet';
import type { PortBindings, PortMap } from './types';

export type PortProtocol = 'tcp' | 'udp';

/** One host port to publish, as asked: a fixed port, a range to pick from, or any (0..0). */
export interface PortRequest {
  containerPort: number;
  protocol: PortProtocol;
  /** '' binds every host address. */
  hostIp: string;
  hostPortMin: number;
  hostPortMax: number;
}

/** A published port once its host port is chosen. */
export interface PublishedPort {
  containerPort: number;
  protocol: PortProtocol;
  hostIp: string;
  hostPort: number;
}

const KEY = /^(\d{1,5})(?:\/([a-z]+))?$/;

/** Normalises a port key ("80", "80/tcp") to Docker's "80/tcp" form; `field` names it in errors. */
export function parsePortKey(key: string, field: string): { port: number; protocol: PortProtocol } {
  const m = KEY.exec(key);
  const port = m ? Number(m[1]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new InvalidArgumentError(`invalid ${field} "${key}": want PORT or PORT/PROTOCOL with PORT in 1-65535`);
  }
  const protocol = m[2] ?? 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp') {
    throw new InvalidArgumentError(`invalid ${field} "${key}": protocol must be tcp or udp`);
  }
  return { port, protocol };
}

function parseHostPort(text: string, field: string): [number, number] {
  if (text === '' || text === '0') return [0, 0];
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || !(lo >= 1 && hi <= 65535 && lo <= hi)) {
    throw new InvalidArgumentError(
      `invalid ${field} "${text}": want a port 1-65535, a range LOW-HIGH, or empty for any`,
    );
  }
  return [lo, hi];
}

/**
 * Validates Docker's `HostConfig.PortBindings` and turns it into port requests. Host addresses
 * must be IPv4 (or empty for all); IPv6 publishing is not supported by this network.
 */
export function parsePortBindings(bindings: PortBindings | null | undefined): PortRequest[] {
  if (bindings === null || bindings === undefined) return [];
  if (typeof bindings !== 'object' || Array.isArray(bindings)) {
    throw new InvalidArgumentError(
      'invalid HostConfig.PortBindings: want an object such as {"80/tcp": [{"HostPort": "8080"}]}',
    );
  }
  const out: PortRequest[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const field = `HostConfig.PortBindings["${key}"]`;
    const { port, protocol } = parsePortKey(key, 'HostConfig.PortBindings key');
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) throw new InvalidArgumentError(`invalid ${field}: want a list of {HostIp, HostPort}`);
    for (const b of list) {
      if (b === null || typeof b !== 'object')
        throw new InvalidArgumentError(`invalid ${field}: each binding must be an object {HostIp, HostPort}`);
      const hostIp = b.HostIp ?? '';
      const hostPort = b.HostPort ?? '';
      if (typeof hostIp !== 'string') throw new InvalidArgumentError(`invalid ${field}.HostIp: want a string`);
      if (typeof hostPort !== 'string') throw new InvalidArgumentError(`invalid ${field}.HostPort: want a string`);
      if (hostIp !== '' && parseIpv4(hostIp) === null) {
        throw new InvalidArgumentError(
          `invalid ${field}.HostIp "${hostIp}": want an IPv4 address or empty (IPv6 publishing is not supported)`,
        );
      }
      const [lo, hi] = parseHostPort(hostPort, `${field}.HostPort`);
      out.push({
        containerPort: port,
        protocol,
        hostIp: hostIp === '0.0.0.0' ? '' : hostIp,
        hostPortMin: lo,
        hostPortMax: hi,
      });
    }
  }
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i];
      const b = out[j];
      if (
        a.hostPortMin !== 0 &&
        a.hostPortMin === a.hostPortMax &&
        b.hostPortMin === b.hostPortMax &&
        a.hostPortMin === b.hostPortMin &&
        a.protocol === b.protocol &&
        (a.hostIp === b.hostIp || a.hostIp === '' || b.hostIp === '')
      ) {
        throw new InvalidArgumentError(
          `invalid HostConfig.PortBindings: host port ${a.hostPortMin}/${a.protocol} is bound twice`,
        );
      }
    }
  }
  return out;
}

/** Normalises `Config.ExposedPorts` ({"80/tcp": {}} or ["80/tcp"]) to a list of "port/proto" keys. */
export function parseExposedPorts(exposed: Record<string, unknown> | string[] | null | undefined): string[] {
  if (exposed === null || exposed === undefined) return [];
  const keys = Array.isArray(exposed) ? exposed : Object.keys(exposed);
  return keys.map((k) => {
    const { port, protocol } = parsePortKey(String(k), 'Config.ExposedPorts key');
    return `${port}/${protocol}`;
  });
}

/** Builds `NetworkSettings.Ports`: every exposed or published port, bindings as Docker shows them. */
export function formatPortMap(published: PublishedPort[], exposed: string[]): PortMap {
  const out: PortMap = {};
  for (const key of exposed) out[key] = null;
  for (const p of published) {
    const key = `${p.containerPort}/${p.protocol}`;
    const list = out[key] ?? [];
    list.push({ HostIp: p.hostIp === '' ? '0.0.0.0' : p.hostIp, HostPort: String(p.hostPort) });
    out[key] = list;
  }
  return out;
}

/** CNI portmap's runtimeConfig.portMappings for the chosen ports. */
export function toCniPortMappings(
  published: PublishedPort[],
): Array<{ hostPort: number; containerPort: number; protocol: string; hostIP?: string }> {
  return published.map((p) => ({
    hostPort: p.hostPort,
    containerPort: p.containerPort,
    protocol: p.protocol,
    ...(p.hostIp ? { hostIP: p.hostIp } : {}),
  }));
}
