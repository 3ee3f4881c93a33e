import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { NetworkAttachment, TaskState, TaskStatus } from '../../../src/api';
import type { NetworkView } from '../../../src/rpc';
import { TaskManager, type AssignedTask, type TaskImages } from '../../../worker/agent/tasks';
import type { ContainerService } from '../../../worker/engine/containers';
import { OverlayDriver, OverlaySandboxes, type NetworkManager } from '../../../worker/network';
import { OVERLAY_TABLE } from '../../../worker/network/overlay';
import { runChecked, runCommand } from '../../../worker/network/run-command';
import { requireContainerd } from '../../support/containerd';
import { startTestDaemon, type TestDaemon } from '../../support/daemon';

const NODE = 'ovnode0000000000000000000';
const NET = {
  ID: 'ovnet00000000000000000000',
  Name: 'appnet',
  VNI: 4123,
  Subnet: '10.0.37.0/24',
  Gateway: '10.0.37.1',
};
const VIP = '10.0.37.2';
let seq = 0;

function attachment(addr: string): NetworkAttachment {
  return {
    Network: {
      ID: NET.ID,
      Version: { Index: 1 },
      CreatedAt: '',
      UpdatedAt: '',
      Spec: { Name: NET.Name, DriverConfiguration: { Name: 'overlay' }, Scope: 'swarm' },
      DriverState: { Name: 'overlay', Options: { 'com.docker.network.driver.overlay.vxlanid_list': String(NET.VNI) } },
      IPAMOptions: { Driver: { Name: 'default' }, Configs: [{ Subnet: NET.Subnet, Gateway: NET.Gateway }] },
    },
    Addresses: [`${addr}/24`],
  };
}

function task(service: string, args: string[], addr?: string): AssignedTask {
  const id = `ovtask${Date.now().toString(36)}${seq++}`;
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: new Date().toISOString(),
    UpdatedAt: new Date().toISOString(),
    ServiceID: service,
    ServiceAnnotations: { Name: service },
    Slot: seq,
    NodeID: NODE,
    Spec: { ContainerSpec: { Image: 'busybox:latest', Args: args, StopGracePeriod: 300_000_000 } },
    Status: { State: 'assigned', Message: 'assigned' },
    DesiredState: 'running',
    ...(addr ? { NetworksAttachments: [attachment(addr)] } : {}),
  };
}

describe('tasks on an overlay network (real daemon, containerd, runc, nftables)', function () {
  this.timeout(120_000);
  let td: TestDaemon;
  let containers: ContainerService;
  let overlay: OverlaySandboxes;
  let mgr: TaskManager;

  before(async function () {
    requireContainerd(this);
    td = await startTestDaemon(23);
    const d = td.daemon as unknown as { containers: ContainerService; overlay: OverlaySandboxes };
    containers = d.containers;
    overlay = d.overlay;
    const images = (d as unknown as { containers: { o: { images: TaskImages } } }).containers.o.images;
    mgr = new TaskManager({ containers, images, nodeId: NODE, dataRoot: td.dataRoot, networks: overlay });
    await mgr.start();
  });

  after(async () => {
    mgr?.setAssignments([]);
    await mgr?.settled();
    await mgr?.stop();
    await td?.stop();
  });

  /** The VIP's answer from a task's namespace, retried while the backend comes up. */
  async function fetchVip(ns: string): Promise<string> {
    let got = '';
    for (let i = 0; i < 30 && !got.includes('web-ok'); i++) {
      const w = await runCommand(
        'ip',
        ['netns', 'exec', ns, '/bin/busybox', 'wget', '-q', '-O', '-', `http://${VIP}/`],
        {
          timeoutMs: 5000,
        },
      );
      got = w.stdout;
      if (!got.includes('web-ok')) await new Promise((res) => setTimeout(res, 100));
    }
    return got;
  }

  async function eventually(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > end) assert.fail('timed out');
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  async function running(id: string, ms = 30_000): Promise<TaskStatus> {
    const end = Date.now() + ms;
    for (;;) {
      const s = mgr.statusOf(id);
      if (s?.State === ('running' as TaskState)) return s;
      if (s && ['complete', 'shutdown', 'failed', 'rejected'].includes(s.State))
        assert.fail(`task ${id} is ${s.State} (${s.Err ?? s.Message})`);
      if (Date.now() > end) assert.fail(`task ${id} is still ${s?.State}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('wires a task container into its overlay network: eth1, 127.0.0.11, the VIP; plain tasks as before', async () => {
    const web = task(
      'web',
      ['sh', '-c', 'mkdir -p /w && echo web-ok > /w/index.html && exec httpd -f -p 80 -h /w'],
      '10.0.37.5',
    );
    const client = task('client', ['sleep', '3600'], '10.0.37.6');
    const plain = task('plain', ['sleep', '3600']);
    const view: NetworkView = {
      ...NET,
      Internal: false,
      Ingress: false,
      Version: 3,
      Endpoints: [web, client].map((t) => ({
        TaskID: t.ID,
        TaskName: `${t.ServiceAnnotations!.Name}.${t.Slot}.${t.ID}`,
        ServiceID: t.ServiceID,
        NodeID: NODE,
        NodeAddr: '127.0.0.1',
        Addr: t.NetworksAttachments![0].Addresses[0].split('/')[0],
      })),
      Services: [
        { ServiceID: 'web', Name: 'web', Aliases: [], Mode: 'vip', VIP, Backends: ['10.0.37.5'] },
        { ServiceID: 'client', Name: 'client', Aliases: [], Mode: 'vip', VIP: '10.0.37.3', Backends: ['10.0.37.6'] },
      ],
    };
    mgr.setNetworks([view]);
    const warm = task('plain', ['sleep', '3600']);
    const wanted: AssignedTask[] = [];
    const timed = async (t: AssignedTask) => {
      wanted.push(t);
      const t0 = Date.now();
      mgr.setAssignments(wanted);
      const st = await running(t.ID);
      return { ms: Date.now() - t0, st };
    };
    await timed(warm);
    const plainMs = (await timed(plain)).ms;
    const firstMs = (await timed(web)).ms;
    const { ms: nextMs, st: s } = await timed(client);
    console.log(
      `      task start to running: ${plainMs} ms without overlay; with: ${firstMs} ms (first of the network), ${nextMs} ms (next)`,
    );

    const r = containers.get(s.ContainerStatus!.ContainerID!);
    const ns = r.Sandbox!.netnsPath!.split('/').pop()!;
    const resolv = readFileSync(r.ResolvConfPath, 'utf8');
    assert.match(resolv, /^nameserver 127\.0\.0\.11$/m);
    assert.match(resolv, /^options ndots:0$/m);
    assert.match(await runChecked('ip', ['-n', ns, 'addr', 'show', 'dev', 'eth1']), /inet 10\.0\.37\.6\/24/);
    assert.match(await runChecked('ip', ['-n', ns, 'route', 'show', 'default']), /dev eth0/);
    const nslookup = await runCommand('ip', ['netns', 'exec', ns, '/bin/busybox', 'nslookup', 'web', '127.0.0.11'], {
      timeoutMs: 5000,
    });
    assert.match(
      nslookup.stdout,
      new RegExp(`Address: ${VIP.replace(/\./g, '\\.')}`),
      nslookup.stdout + nslookup.stderr,
    );
    assert.match(await fetchVip(ns), /web-ok/);
    const plainRec = containers.get(mgr.statusOf(plain.ID)!.ContainerStatus!.ContainerID!);
    assert.doesNotMatch(readFileSync(plainRec.ResolvConfPath, 'utf8'), /127\.0\.0\.11/);
    const plainNs = plainRec.Sandbox!.netnsPath!.split('/').pop()!;
    assert.doesNotMatch(await runChecked('ip', ['-n', plainNs, 'link', 'show']), /eth1/);

    // A restarted daemon (a new driver and task manager over the running containers) re-wires
    // what is missing, here the table taken out meanwhile, and adds no second interface.
    await runChecked('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'ip', OVERLAY_TABLE]);
    await mgr.stop();
    const d = td.daemon as unknown as { network: NetworkManager };
    const again = new OverlaySandboxes({
      network: d.network,
      driver: new OverlayDriver({ prefix: 'tswd23', dns: { address: d.network.gateway, port: 53 } }),
    });
    const images = (containers as unknown as { o: { images: TaskImages } }).o.images;
    mgr = new TaskManager({ containers, images, nodeId: NODE, dataRoot: td.dataRoot, networks: again });
    await mgr.start();
    mgr.setNetworks([view]);
    mgr.setAssignments(wanted);
    await eventually(async () =>
      /numgen/.test(await runChecked('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'])),
    );
    const links = JSON.parse(await runChecked('ip', ['-n', ns, '-j', 'link', 'show'])) as Array<{ ifname: string }>;
    assert.deepEqual(links.map((l) => l.ifname).sort(), ['eth0', 'eth1', 'lo']);
    assert.match(await fetchVip(ns), /web-ok/);

    // Removing the tasks takes their endpoints, and the network's namespace with the last.
    mgr.setAssignments([warm, plain]);
    await mgr.settled();
    await overlay.sweep();
    const left = await runCommand('ip', ['netns', 'list']);
    assert.doesNotMatch(left.stdout, /tswd23-ov4123/);
  });
});
