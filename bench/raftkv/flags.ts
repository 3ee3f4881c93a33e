/**
 * The subset of etcd's command-line flags the raftkv server takes; other etcd flags are
 * accepted and ignored so that the same start line works for both.
 */
export interface ServerFlags {
  name: string;
  dataDir: string;
  clientHost: string;
  clientPort: number;
  peerListen: string;
  /** Members in --initial-cluster order: name and "host:port". Ids are positions + 1. */
  cluster: { name: string; addr: string }[];
}

function hostPort(url: string, flag: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url.split(',')[0]);
  } catch {
    throw new Error(`${flag}: "${url}" is not a URL`);
  }
  const port = Number(u.port);
  if (!port) throw new Error(`${flag}: "${url}" has no port`);
  return { host: u.hostname, port };
}

export function parseFlags(argv: string[]): ServerFlags {
  const v = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) v.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) v.set(a.slice(2), argv[++i]);
    else v.set(a.slice(2), 'true');
  }
  const need = (k: string) => {
    const x = v.get(k);
    if (!x) throw new Error(`--${k} is required`);
    return x;
  };
  const name = need('name');
  const client = hostPort(need('listen-client-urls'), '--listen-client-urls');
  const peer = hostPort(need('listen-peer-urls'), '--listen-peer-urls');
  const cluster = need('initial-cluster')
    .split(',')
    .map((m) => {
      const eq = m.indexOf('=');
      if (eq <= 0) throw new Error(`--initial-cluster: "${m}" is not name=url`);
      const hp = hostPort(m.slice(eq + 1), '--initial-cluster');
      return { name: m.slice(0, eq), addr: `${hp.host}:${hp.port}` };
    });
  if (!cluster.some((m) => m.name === name)) throw new Error(`--initial-cluster does not name this member (${name})`);
  return {
    name,
    dataDir: need('data-dir'),
    clientHost: client.host,
    clientPort: client.port,
    peerListen: `${peer.host}:${peer.port}`,
    cluster,
  };
}
