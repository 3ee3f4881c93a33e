import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { NetworkView } from '../../../src/rpc';
import { overlayMac } from '../../../src/rpc';
import { deleteNetns, netnsExists } from '../../../worker/network/netns';
import { runChecked, runCommand } from '../../../worker/network/run-command';
import { OverlayDriver, overlayNameServer, type LocalEndpoint } from '../../../worker/network/overlay';
import type { NetworkDnsServer } from '../../../worker/network/dns-server';
import {
  BUSYBOX,
  eventually,
  missingOverlayPrerequisite,
  inNetns,
  killChild,
  netnsGet,
  startHttpd,
  twoHostUnderlay,
  skipWhenMissing,
} from './netns-tools';

const HOST_A = 'tswovA';
const HOST_B = 'tswovB';
const UNDER_A = '192.168.250.1';
const UNDER_B = '192.168.250.2';
const C1 = 'tswovc-c1';
const B1 = 'tswovc-b1';
const B2 = 'tswovc-b2';
const C3 = 'tswovc-c3';
const DNS = { address: '10.251.1.1', port: 5399 };
const NET = { ID: 'n1', Name: 'ovl', VNI: 4097, Subnet: '10.0.9.0/24', Gateway: '10.0.9.1' };
const ADDR = { c1: '10.0.9.3', b1: '10.0.9.4', b2: '10.0.9.5', vip: '10.0.9.2' };

function endpoint(task: 'c1' | 'b1' | 'b2', netns: string, defaultAddr?: string): LocalEndpoint {
  return {
    taskId: task,
    netns,
    defaultAddr,
    attachments: [
      {
        networkId: NET.ID,
        networkName: NET.Name,
        vni: NET.VNI,
        subnet: NET.Subnet,
        gateway: NET.Gateway,
        addr: ADDR[task],
        prefixLen: 24,
      },
    ],
  };
}

function view(version: number, backends: Array<'b1' | 'b2'>): NetworkView {
  const ep = (t: 'c1' | 'b1' | 'b2', svc: string, node: string) => ({
    TaskID: t,
    TaskName: `${svc}.${t}`,
    ServiceID: svc,
    NodeID: node,
    NodeAddr: node === 'A' ? UNDER_A : UNDER_B,
    Addr: ADDR[t],
  });
  return {
    ...NET,
    Internal: false,
    Ingress: false,
    Version: version,
    Endpoints: [ep('c1', 'client', 'A'), ...backends.map((b) => ep(b, 'svc', 'B'))],
    Services: [
      {
        ServiceID: 'svc',
        Name: 'svc',
        Aliases: ['web'],
        Mode: 'vip',
        VIP: ADDR.vip,
        Backends: backends.map((b) => ADDR[b]),
      },
      { ServiceID: 'client', Name: 'client', Aliases: [], Mode: 'dnsrr', Backends: [ADDR.c1] },
    ],
  };
}

/** busybox nslookup's answer addresses for a name, asked at 127.0.0.11. */
async function resolve(ns: string, name: string): Promise<string[]> {
  const r = await runCommand('ip', ['netns', 'exec', ns, BUSYBOX, 'nslookup', name, '127.0.0.11'], { timeoutMs: 5000 });
  const answer = r.stdout
    .split(/^Name:/m)
    .slice(1)
    .join('\n');
  return [...answer.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]).sort();
}

async function vxlanTables(ns: string): Promise<string> {
  const fdb = await runChecked('bridge', ['-n', ns, 'fdb', 'show', 'dev', 'vxlan0']);
  const neigh = await runChecked('ip', ['-n', ns, 'neigh', 'show', 'dev', 'vxlan0']);
  // The bridge's own learned entries age out by themselves; the vxlan device's static ones are ours.
  return (
    fdb
      .split('\n')
      .filter((l) => / self /.test(l))
      .join('\n') + neigh
  );
}

describe('overlay driver: two hosts over VXLAN (real netns, iproute2, nftables)', function () {
  this.timeout(120_000);
  let a: OverlayDriver;
  let b: OverlayDriver;
  let dns: NetworkDnsServer | undefined;
  const servers: ChildProcess[] = [];
  let www: string;

  before(async function () {
    skipWhenMissing(this, 'overlay driver', missingOverlayPrerequisite());
    await cleanup();
    await twoHostUnderlay({ hostA: HOST_A, hostB: HOST_B, underA: UNDER_A, underB: UNDER_B, others: [C1, B1, B2] });
    // c1's default-route interface, as the bridge network gives a task: it reaches the name server here.
    await runChecked('ip', ['link', 'add', 'tswovh1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', C1]);
    await runChecked('ip', ['addr', 'add', `${DNS.address}/24`, 'dev', 'tswovh1']);
    await runChecked('ip', ['link', 'set', 'tswovh1', 'up']);
    await runChecked('ip', ['-n', C1, 'addr', 'add', '10.251.1.2/24', 'dev', 'eth0']);
    await runChecked('ip', ['-n', C1, 'link', 'set', 'eth0', 'up']);
    await runChecked('ip', ['-n', C1, 'route', 'add', 'default', 'via', DNS.address]);
    a = new OverlayDriver({ prefix: HOST_A, underlayAddr: UNDER_A, underlayNetns: HOST_A, dns: DNS });
    b = new OverlayDriver({ prefix: HOST_B, underlayAddr: UNDER_B, underlayNetns: HOST_B });
    dns = overlayNameServer(a, { ...DNS, upstreams: [] });
    await dns.start();
    www = fs.mkdtempSync(path.join(os.tmpdir(), 'tswov-'));
    for (const n of ['b1', 'b2']) {
      fs.mkdirSync(path.join(www, n));
      fs.writeFileSync(path.join(www, n, 'index.html'), n);
    }
  });

  after(async function () {
    for (const s of servers) await killChild(s);
    await dns?.close();
    await cleanup();
    if (www) fs.rmSync(www, { recursive: true, force: true });
  });

  async function cleanup(): Promise<void> {
    await runCommand('ip', ['link', 'del', 'tswovh1']);
    for (const ns of [C1, B1, B2, C3, HOST_A, HOST_B, `${HOST_A}-ov4097`, `${HOST_B}-ov4097`, 'tswovX-ov4097'])
      if (await netnsExists(ns)) await deleteNetns(ns);
  }

  it('wires containers on two hosts: ping over VXLAN, names at 127.0.0.11, the VIP over both backends', async () => {
    await b.setView(view(1, ['b1', 'b2']));
    await a.setView(view(1, ['b1', 'b2']));
    const t0 = process.hrtime.bigint();
    await a.attach(endpoint('c1', C1, '10.251.1.2'));
    const firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // Fresh ones (as the engine makes them) skip the look at what the namespace has.
    await b.attach({ ...endpoint('b1', B1), fresh: true });
    const t1 = process.hrtime.bigint();
    await b.attach({ ...endpoint('b2', B2), fresh: true });
    const nextMs = Number(process.hrtime.bigint() - t1) / 1e6;
    console.log(
      `      overlay attach: first container of a network on a host ${firstMs.toFixed(0)} ms, next ${nextMs.toFixed(0)} ms`,
    );

    const link = JSON.parse(await runChecked('ip', ['-n', C1, '-j', 'addr', 'show', 'dev', 'eth1'])) as Array<{
      address: string;
      mtu: number;
      addr_info: Array<{ family: string; local: string }>;
    }>;
    assert.equal(link[0].address, overlayMac(ADDR.c1));
    assert.equal(link[0].mtu, 1450);
    assert.deepEqual(
      link[0].addr_info.filter((x) => x.family === 'inet').map((x) => x.local),
      [ADDR.c1],
    );
    // Egress stays on the default-route interface.
    assert.match(await runChecked('ip', ['-n', C1, 'route', 'show', 'default']), /dev eth0/);

    await inNetns(C1, [BUSYBOX, 'ping', '-c', '1', '-W', '2', ADDR.b1]);
    await inNetns(B2, [BUSYBOX, 'ping', '-c', '1', '-W', '2', ADDR.c1]);

    assert.deepEqual(await resolve(C1, 'svc'), [ADDR.vip]);
    assert.deepEqual(await resolve(C1, 'web'), [ADDR.vip]);
    assert.deepEqual(await resolve(C1, 'tasks.svc'), [ADDR.b1, ADDR.b2]);
    assert.deepEqual(await resolve(C1, 'svc.b2'), [ADDR.b2]);
    assert.deepEqual(await resolve(C1, 'client'), [ADDR.c1]);

    servers.push(startHttpd(B1, 80, path.join(www, 'b1')), startHttpd(B2, 80, path.join(www, 'b2')));
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await eventually(() => netnsGet(C1, `http://${ADDR.vip}/`))).trim());
    assert.deepEqual([...seen].sort(), ['b1', 'b2']);
  });

  it('takes a removed endpoint out of FDB, neighbours, DNS and the VIP, and its flows out of conntrack', async () => {
    // UDP flows to the VIP, spread over both backends by numgen.
    for (let i = 0; i < 4; i++)
      await runCommand('ip', ['netns', 'exec', C1, '/bin/bash', '-c', `echo x > /dev/udp/${ADDR.vip}/9`]);
    const flows = () => runCommand('ip', ['netns', 'exec', C1, 'conntrack', '-L', '-p', 'udp', '--orig-dst', ADDR.vip]);
    const hasConntrack = fs.existsSync('/usr/sbin/conntrack');
    if (hasConntrack) assert.match((await flows()).stdout, /src=10\.0\.9\.5 /);
    await b.detach('b2');
    await a.setView(view(2, ['b1']));
    await b.setView(view(2, ['b1']));
    // A stale view changes nothing.
    await a.setView(view(1, ['b1', 'b2']));
    const tables = await vxlanTables(`${HOST_A}-ov4097`);
    assert.doesNotMatch(tables, new RegExp(overlayMac(ADDR.b2)));
    assert.doesNotMatch(tables, new RegExp(ADDR.b2.replace(/\./g, '\\.')));
    assert.match(tables, new RegExp(overlayMac(ADDR.b1)));
    assert.deepEqual(await resolve(C1, 'tasks.svc'), [ADDR.b1]);
    const rules = await inNetns(C1, ['nft', 'list', 'table', 'ip', 'tsswarm_overlay']);
    assert.doesNotMatch(rules, /10\.0\.9\.5/);
    for (let i = 0; i < 3; i++) assert.equal((await netnsGet(C1, `http://${ADDR.vip}/`)).trim(), 'b1');
    if (hasConntrack) assert.doesNotMatch((await flows()).stdout, /src=10\.0\.9\.5 /);
  });

  it('adopts what a restarted daemon left: no second interface, traffic still flows', async () => {
    const again = new OverlayDriver({ prefix: HOST_A, underlayAddr: UNDER_A, underlayNetns: HOST_A, dns: DNS });
    await again.setView(view(2, ['b1']));
    await again.attach(endpoint('c1', C1, '10.251.1.2'));
    const links = JSON.parse(await runChecked('ip', ['-n', C1, '-j', 'link', 'show'])) as Array<{ ifname: string }>;
    assert.deepEqual(links.map((l) => l.ifname).sort(), ['eth0', 'eth1', 'lo']);
    await inNetns(C1, [BUSYBOX, 'ping', '-c', '1', '-W', '2', ADDR.b1]);
    a = again;
  });

  it('keeps the network local for a second daemon in the same namespace (the kernel allows one VTEP per VNI)', async () => {
    const other = new OverlayDriver({ prefix: 'tswovX', underlayAddr: UNDER_A, underlayNetns: HOST_A });
    await runChecked('ip', ['netns', 'add', C3]);
    try {
      await other.setView(view(2, ['b1']));
      await other.attach({ ...endpoint('b2', C3), fresh: true });
      const links = await runChecked('ip', ['-n', 'tswovX-ov4097', 'link', 'show']);
      assert.match(links, /br0/);
      assert.doesNotMatch(links, /vxlan0/);
      await other.detach('b2');
      assert.equal(await netnsExists('tswovX-ov4097'), false);
    } finally {
      await deleteNetns(C3);
    }
  });

  it('removes a network namespace with its last local container', async () => {
    await a.detach('c1');
    await b.detach('b1');
    assert.equal(await netnsExists(`${HOST_A}-ov4097`), false);
    assert.equal(await netnsExists(`${HOST_B}-ov4097`), false);
    assert.doesNotMatch(await runChecked('ip', ['-n', C1, 'link', 'show']), /eth1/);
  });
});
