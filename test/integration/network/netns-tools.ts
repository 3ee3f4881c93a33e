import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { runChecked, runCommand } from '../../../worker/network/run-command';

export const BUSYBOX = '/bin/busybox';

/** Why tests that need root and `bins` cannot run here, or null when they can. */
function missingTools(bins: string[]): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, bridges, iptables)';
  for (const bin of bins) {
    if (!fs.existsSync(bin))
      return `${bin} is missing (deploy/install-deps.sh installs iproute2, iptables, nftables, busybox-static, containernetworking-plugins)`;
  }
  return null;
}

/** Why the bridge network tests cannot run here, or null when they can. */
export function missingPrerequisite(cniBinDir: string): string | null {
  return missingTools([
    '/usr/sbin/ip',
    '/usr/sbin/iptables',
    '/usr/sbin/iptables-save',
    BUSYBOX,
    `${cniBinDir}/bridge`,
    `${cniBinDir}/host-local`,
    `${cniBinDir}/portmap`,
  ]);
}

/** Why the overlay and ingress tests (VXLAN, bridge fdb, nftables) cannot run here, or null when they can. */
export function missingOverlayPrerequisite(): string | null {
  return missingTools(['/usr/sbin/ip', '/usr/sbin/bridge', '/usr/sbin/nft', BUSYBOX]);
}

/** Skips the suite of `ctx` (a before hook) with a SKIPPING line naming `why`, when there is a why. */
export function skipWhenMissing(ctx: Mocha.Context, tier: string, why: string | null): void {
  if (!why) return;
  console.warn(`\n  SKIPPING ${tier} integration tests: ${why}\n`);
  ctx.skip();
}

/** Runs a command in a namespace; resolves to stdout, throws on failure. */
export async function inNetns(ns: string, args: string[], timeoutMs = 20_000): Promise<string> {
  const r = await runCommand('ip', ['netns', 'exec', ns, ...args], { timeoutMs });
  if (r.code !== 0) throw new Error(`in ${ns}: ${args.join(' ')} -> exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** busybox httpd in the foreground inside a namespace, serving a directory; the caller kills it by PID. */
export function startHttpd(ns: string, port: number, dir: string): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, BUSYBOX, 'httpd', '-f', '-p', String(port), '-h', dir], {
    stdio: 'ignore',
  });
  child.on('error', () => undefined);
  return child;
}

/** Kills a child we started and waits for it to be gone. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGKILL');
  await gone;
}

/** Retries fn until it resolves (servers take a moment to bind); the last error if it never does. */
export async function eventually<T>(fn: () => Promise<T>, attempts = 50): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw last;
}

/** HTTP GET from this (host) process. */
export function hostGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout on ${url}`)));
    req.on('error', reject);
  });
}

/** HTTP GET with busybox wget from inside a namespace (its -T option crashes busybox 1.35, so we time it out ourselves). */
export function netnsGet(ns: string, url: string): Promise<string> {
  return inNetns(ns, [BUSYBOX, 'wget', '-q', '-O', '-', url], 5000);
}

/** iptables-save of filter and nat without counters and comments-of-generation, for before/after comparison. */
export async function iptablesRules(): Promise<string[]> {
  const r = await runCommand('iptables-save', []);
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/, ''));
}

export async function netnsList(): Promise<string[]> {
  return fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : [];
}

/** Names of links enslaved to a bridge (the veths of its containers). */
export async function bridgePorts(bridge: string): Promise<string[]> {
  const r = await runCommand('ip', ['-j', 'link', 'show', 'master', bridge]);
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname);
}

/**
 * Two "hosts" as namespaces joined by one veth underlay (`u0`, `underA`/24 and `underB`/24, up),
 * and `others` as bare namespaces; every namespace gets its lo up. Root only.
 */
export async function twoHostUnderlay(o: {
  hostA: string;
  hostB: string;
  underA: string;
  underB: string;
  others: string[];
}): Promise<void> {
  for (const ns of [o.hostA, o.hostB, ...o.others]) {
    await runChecked('ip', ['netns', 'add', ns]);
    await runChecked('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  await runChecked('ip', ['-n', o.hostA, 'link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u0', 'netns', o.hostB]);
  await runChecked('ip', ['-n', o.hostA, 'addr', 'add', `${o.underA}/24`, 'dev', 'u0']);
  await runChecked('ip', ['-n', o.hostB, 'addr', 'add', `${o.underB}/24`, 'dev', 'u0']);
  await runChecked('ip', ['-n', o.hostA, 'link', 'set', 'u0', 'up']);
  await runChecked('ip', ['-n', o.hostB, 'link', 'set', 'u0', 'up']);
}
