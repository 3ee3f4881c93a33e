import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { InvalidArgumentError } from '../../src/api';
import { DEFAULT_CONCURRENT_DOWNLOADS, DEFAULT_CONCURRENT_UPLOADS } from '../engine/images/concurrency';

/** tsswarmd's settings after defaults, with units in the names. */
export interface DaemonOptions {
  dataRoot: string;
  hosts: string[];
  containerd?: string;
  containerdNamespace: string;
  cgroupParent: string;
  bridgeName: string;
  bridgeSubnet: string;
  /** Network of containers with NetworkMode default: the bridge, or none (dockerd --bridge none). */
  defaultNetwork: 'bridge' | 'none';
  insecureRegistries: string[];
  /** Layers a pull downloads at once (dockerd's --max-concurrent-downloads, default 3). */
  maxConcurrentDownloads: number;
  /** Layers a push uploads at once (dockerd's --max-concurrent-uploads, default 5). */
  maxConcurrentUploads: number;
  metricsAddr?: string;
  pidfile: string;
  tls?: { ca: string; cert: string; key: string };
  logLevel: string;
  /** Raft tick in ms (TSSWARM_RAFT_TICK_MS; default 100). */
  raftTickMs?: number;
}

export const USAGE = `Usage: tsswarmd [OPTIONS]

A container engine and cluster node that serves the Docker Engine API.

Options:
      --data-root string          Root of persistent state (default "/var/lib/tsswarm")
  -H, --host list                 Address to serve the API on: unix:///path or tcp://host:port
                                  (default unix:///run/tsswarm/tsswarm.sock); tcp needs --tlsverify
      --containerd string         Address of a running containerd; without it tsswarmd starts its own
      --containerd-namespace string  containerd namespace (default "tsswarm")
      --cgroup-parent string      Parent cgroup of containers (default "tsswarm")
      --bridge-name string        Bridge of the default network (default "tsswarm0")
      --bip string                Subnet of the default bridge network (default "10.197.0.0/16")
      --default-network string    Network of containers with NetworkMode default: bridge, or none for
                                  only a loopback, as dockerd --bridge none (default "bridge")
      --insecure-registry list    Registries reached over plain HTTP (loopback ones always are)
      --max-concurrent-downloads int  Layers a pull downloads at once (default ${DEFAULT_CONCURRENT_DOWNLOADS})
      --max-concurrent-uploads int    Layers a push uploads at once (default ${DEFAULT_CONCURRENT_UPLOADS})
      --metrics-addr string       Serve Prometheus metrics at http://ADDR/metrics (off by default)
  -p, --pidfile string            Path of the pid file (default "<data-root>/tsswarmd.pid")
      --tlsverify                 Require mutual TLS on tcp:// hosts
      --tlscacert string          CA that client certificates must be signed by
      --tlscert string            Server certificate
      --tlskey string             Server key
  -l, --log-level string          debug, info, warn or error (default "info")
  -h, --help                      Print this help
`;

/** Parses tsswarmd's command line; unknown flags and tcp without TLS are refused with a clear message. */
export function parseDaemonArgs(argv: string[]): DaemonOptions | 'help' {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'data-root': { type: 'string' },
        host: { type: 'string', short: 'H', multiple: true },
        containerd: { type: 'string' },
        'containerd-namespace': { type: 'string' },
        'cgroup-parent': { type: 'string' },
        'bridge-name': { type: 'string' },
        bip: { type: 'string' },
        'default-network': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        'max-concurrent-downloads': { type: 'string' },
        'max-concurrent-uploads': { type: 'string' },
        'metrics-addr': { type: 'string' },
        pidfile: { type: 'string', short: 'p' },
        tlsverify: { type: 'boolean' },
        tlscacert: { type: 'string' },
        tlscert: { type: 'string' },
        tlskey: { type: 'string' },
        'log-level': { type: 'string', short: 'l' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (v.help) return 'help';
  const dataRoot = path.resolve(v['data-root'] ?? '/var/lib/tsswarm');
  const hosts = v.host?.length ? v.host : ['unix:///run/tsswarm/tsswarm.sock'];
  let tls: DaemonOptions['tls'];
  if (v.tlsverify || v.tlscacert || v.tlscert || v.tlskey) {
    if (!v.tlscacert || !v.tlscert || !v.tlskey)
      throw new InvalidArgumentError('--tlsverify needs --tlscacert, --tlscert and --tlskey');
    tls = { ca: v.tlscacert, cert: v.tlscert, key: v.tlskey };
  }
  if (hosts.some((h) => h.startsWith('tcp://')) && !tls) {
    throw new InvalidArgumentError(
      'refusing to serve the API on tcp:// without mutual TLS: add --tlsverify --tlscacert --tlscert --tlskey',
    );
  }
  const bridgeName = v['bridge-name'] ?? 'tsswarm0';
  if (bridgeName.length > 15)
    throw new InvalidArgumentError(`--bridge-name: "${bridgeName}" is longer than 15 characters`);
  const defaultNetwork = v['default-network'] ?? 'bridge';
  if (defaultNetwork !== 'bridge' && defaultNetwork !== 'none')
    throw new InvalidArgumentError(`--default-network: want bridge or none, got "${defaultNetwork}"`);
  const maxConcurrentDownloads = positiveInt(
    'max-concurrent-downloads',
    v['max-concurrent-downloads'],
    DEFAULT_CONCURRENT_DOWNLOADS,
  );
  const maxConcurrentUploads = positiveInt(
    'max-concurrent-uploads',
    v['max-concurrent-uploads'],
    DEFAULT_CONCURRENT_UPLOADS,
  );
  const logLevel = v['log-level'] ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new InvalidArgumentError(`--log-level: unknown level "${logLevel}"`);
  return {
    dataRoot,
    hosts,
    containerd: v.containerd,
    containerdNamespace: v['containerd-namespace'] ?? 'tsswarm',
    cgroupParent: v['cgroup-parent'] ?? 'tsswarm',
    bridgeName,
    bridgeSubnet: v.bip ?? '10.197.0.0/16',
    defaultNetwork,
    insecureRegistries: v['insecure-registry'] ?? [],
    maxConcurrentDownloads,
    maxConcurrentUploads,
    metricsAddr: v['metrics-addr'],
    pidfile: v.pidfile ?? path.join(dataRoot, 'tsswarmd.pid'),
    tls,
    logLevel,
    ...(process.env.TSSWARM_RAFT_TICK_MS ? { raftTickMs: Number(process.env.TSSWARM_RAFT_TICK_MS) } : {}),
  };
}

function positiveInt(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`--${flag}: want a whole number of at least 1, got "${text}"`);
  return n;
}
