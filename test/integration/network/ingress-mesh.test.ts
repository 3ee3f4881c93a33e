import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { NetworkView } from '../../../src/rpc';
import { deleteNetns, netnsExists } from '../../../worker/network/netns';
import { runChecked, runCommand } from '../../../worker/network/run-command';
import { OverlayDriver, type LocalEndpoint } from '../../../worker/network/overlay';
import { hostTableName, ingressLink, IngressMesh } from '../../../worker/network/ingress';
import {
  eventually,
  missingOverlayPrerequisite,
  killChild,
  netnsGet,
  startHttpd,
  twoHostUnderlay,
  skipWhenMissing,
} from './netns-tools';

const HOST_A = 'tswigA';
const HOST_B = 'tswigB';
const CLIENT = 'tswig-cl';
const B1 = 'tswig-b1';
const B2 = 'tswig-b2';
const UNDER_A = '192.168.249.1';
const UNDER_B = '192.168.249.2';
const ING = { ID: 'ing', Name: 'ingress', VNI: 4096, Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' };
const ADDR = { b1: '10.0.0.4', b2: '10.0.0.5', vip: '10.0.0.2', lbA: '10.0.0.10', lbB: '10.0.0.11' };

function endpoint(task: 'b1' | 'b2', netns: string): LocalEndpoint {
  return {
    taskId: task,
    netns,
    fresh: true,
    attachments: [
      {
        networkId: ING.ID,
        networkName: ING.Name,
        vni: ING.VNI,
        subnet: ING.Subnet,
        gateway: ING.Gateway,
        addr: ADDR[task],
        prefixLen: 24,
      },
    ],
  };
}

/** The ingress view as the managers send it: web publishes 8080 -> 80, its tasks on host B. */
function view(version: number, backends: Array<'b1' | 'b2'>, published = true): NetworkView {
  return {
    ...ING,
    Internal: false,
    Ingress: true,
    Version: version,
    Endpoints: backends.map((t) => ({
      TaskID: t,
      TaskName: `web.${t}`,
      ServiceID: 'web',
      NodeID: 'B',
      NodeAddr: UNDER_B,
      Addr: ADDR[t],
    })),
    Services: published
      ? [
          {
            ServiceID: 'web',
            Name: 'web',
            Aliases: [],
            Mode: 'vip',
            VIP: ADDR.vip,
            Backends: backends.map((b) => ADDR[b]),
            Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }],
          },
        ]
      : [],
    LoadBalancers: [
      { NodeID: 'A', NodeAddr: UNDER_A, Addr: ADDR.lbA },
      { NodeID: 'B', NodeAddr: UNDER_B, Addr: ADDR.lbB },
    ],
  };
}

const get = (host: string) => netnsGet(CLIENT, `http://${host}:8080/`).then((s) => s.trim());

describe('ingress routing mesh: a published port on a host with no task (real netns, VXLAN, nftables)', function () {
  this.timeout(120_000);
  let drvA: OverlayDriver;
  let drvB: OverlayDriver;
  let meshA: IngressMesh;
  let meshB: IngressMesh;
  const servers: ChildProcess[] = [];
  let www: string;

  before(async function () {
    skipWhenMissing(this, 'ingress mesh', missingOverlayPrerequisite());
    await cleanup();
    await twoHostUnderlay({ hostA: HOST_A, hostB: HOST_B, underA: UNDER_A, underB: UNDER_B, others: [CLIENT, B1, B2] });
    // A client outside the swarm reaching host A.
    await runChecked('ip', [
      '-n',
      HOST_A,
      'link',
      'add',
      'c0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      CLIENT,
    ]);
    await runChecked('ip', ['-n', HOST_A, 'addr', 'add', '192.168.248.1/24', 'dev', 'c0']);
    await runChecked('ip', ['-n', CLIENT, 'addr', 'add', '192.168.248.2/24', 'dev', 'eth0']);
    for (const [ns, dev] of [
      [HOST_A, 'c0'],
      [CLIENT, 'eth0'],
    ])
      await runChecked('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    await runChecked('ip', ['-n', CLIENT, 'route', 'add', 'default', 'via', '192.168.248.1']);
    await runChecked('ip', ['-n', HOST_B, 'route', 'add', '192.168.248.0/24', 'via', UNDER_A]);
    drvA = new OverlayDriver({ prefix: HOST_A, underlayAddr: UNDER_A, underlayNetns: HOST_A });
    drvB = new OverlayDriver({ prefix: HOST_B, underlayAddr: UNDER_B, underlayNetns: HOST_B });
    meshA = new IngressMesh({ prefix: HOST_A, driver: drvA, hostNetns: HOST_A });
    meshB = new IngressMesh({ prefix: HOST_B, driver: drvB, hostNetns: HOST_B });
    www = fs.mkdtempSync(path.join(os.tmpdir(), 'tswig-'));
    for (const n of ['b1', 'b2']) {
      fs.mkdirSync(path.join(www, n));
      fs.writeFileSync(path.join(www, n, 'index.html'), n);
    }
  });

  after(async function () {
    for (const s of servers) await killChild(s);
    await cleanup();
    if (www) fs.rmSync(www, { recursive: true, force: true });
  });

  async function cleanup(): Promise<void> {
    for (const ns of [CLIENT, B1, B2, HOST_A, HOST_B, `${HOST_A}-ov4096`, `${HOST_B}-ov4096`])
      if (await netnsExists(ns)) await deleteNetns(ns);
  }

  it("reaches host B's backend at host A's address, and both backends over several connections", async () => {
    await drvB.setView(view(1, ['b1']));
    await drvB.attach(endpoint('b1', B1));
    servers.push(startHttpd(B1, 80, path.join(www, 'b1')));
    await meshA.setView(view(1, ['b1']), 'A');
    await meshB.setView(view(1, ['b1']), 'B');
    assert.equal(await eventually(() => get(UNDER_A)), 'b1', 'through the host with no task');
    assert.equal(await eventually(() => get(UNDER_B)), 'b1', 'through the host with the task');
    const local = await netnsGet(HOST_A, 'http://127.0.0.1:8080/');
    assert.equal(local.trim(), 'b1', 'localhost:8080 on the host with no task');

    await drvB.attach(endpoint('b2', B2));
    servers.push(startHttpd(B2, 80, path.join(www, 'b2')));
    await drvB.setView(view(2, ['b1', 'b2']));
    await meshA.setView(view(2, ['b1', 'b2']), 'A');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await eventually(() => get(UNDER_A)));
    assert.deepEqual([...seen].sort(), ['b1', 'b2']);
  });

  it('a view with no published port left takes the rules, the link and the held namespace away', async () => {
    const link = ingressLink(HOST_A);
    await meshA.setView(view(3, ['b1', 'b2'], false), 'A');
    const tables = await runChecked('ip', ['netns', 'exec', HOST_A, 'nft', 'list', 'tables']);
    assert.doesNotMatch(tables, new RegExp(hostTableName(HOST_A)));
    const links = await runCommand('ip', ['-n', HOST_A, 'link', 'show', 'dev', link.hostDev]);
    assert.notEqual(links.code, 0, 'the link is gone');
    assert.equal(await netnsExists(`${HOST_A}-ov4096`), false, 'no local task: the ingress namespace went');
    await assert.rejects(get(UNDER_A));
    // Host B keeps its namespace: its tasks are on ingress.
    await meshB.setView(view(3, ['b1', 'b2'], false), 'B');
    assert.equal(await netnsExists(`${HOST_B}-ov4096`), true);
  });
});
