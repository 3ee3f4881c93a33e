import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServiceObject, TaskObject } from '../../src/api/swarm-types';
import { runCommand } from '../../worker/network/run-command';
import { requireLab } from '../support/lab';
import { eventually } from '../integration/swarm/swarm-daemons';
import { HOSTNAME_HTTPD, IMAGE, perHost, sleeper, startServiceSwarm, type ServiceSwarm } from './service-swarm';

/**
 * Services on an overlay network across lab hosts: h1 manages, h2..h4 work. A 3-replica busybox
 * httpd service runs on h1..h3 and a client on h4; from the client's namespace the service name
 * resolves at 127.0.0.11 to the VIP, tasks.<name> to the three tasks, and connections to the
 * VIP reach every backend over VXLAN.
 */

interface ContainerJson {
  ResolvConfPath: string;
  NetworkSettings: { SandboxKey: string };
}

describe('cluster: services on an overlay network (VXLAN, DNS at 127.0.0.11, VIP)', function () {
  this.timeout(120_000);
  let sw: ServiceSwarm | undefined;
  const M = 'h1';

  before(async function () {
    this.timeout(240_000);
    requireLab(this);
    sw = await startServiceSwarm({ hosts: 4, managers: ['h1'], workers: ['h2', 'h3', 'h4'] });
  });

  after(async function () {
    this.timeout(120_000);
    await sw?.stop();
  });

  /** Runs argv in a task container's network namespace (the lab shares the machine's /run/netns). */
  async function inTask(t: TaskObject, argv: string[]): Promise<string> {
    const h = sw!.hostOf(t.NodeID);
    const c = (
      await sw!.api(h, 'GET', `/containers/${t.Status.ContainerStatus!.ContainerID}/json`)
    ).json<ContainerJson>();
    const r = await runCommand('ip', ['netns', 'exec', c.NetworkSettings.SandboxKey.split('/').pop()!, ...argv], {
      timeoutMs: 10_000,
    });
    if (r.code !== 0) throw new Error(`${argv.join(' ')} on ${h}: exit ${r.code}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** The addresses busybox nslookup gets for a name from 127.0.0.11 in the task's namespace. */
  async function resolve(t: TaskObject, name: string): Promise<string[]> {
    const out = await inTask(t, ['/bin/busybox', 'nslookup', name, '127.0.0.11']);
    const answer = out
      .split(/^Name:/m)
      .slice(1)
      .join('\n');
    return [...answer.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).sort();
  }

  it('resolves the service to its VIP and tasks.<name> to 3 tasks, and the VIP reaches all 3 backends', async () => {
    const net = await sw!.api(M, 'POST', '/networks/create', {
      Name: 'appnet',
      Driver: 'overlay',
      CheckDuplicate: true,
    });
    assert.equal(net.status, 201, net.body);
    await sw!.createService(M, {
      Name: 'web',
      TaskTemplate: {
        ContainerSpec: {
          Image: IMAGE,
          Args: HOSTNAME_HTTPD,
          StopGracePeriod: 1_000_000_000,
        },
        Placement: { Constraints: ['node.hostname!=h4'] },
        Networks: [{ Target: 'appnet' }],
      },
      Mode: { Replicated: { Replicas: 3 } },
    });
    await sw!.createService(
      M,
      sleeper('client', { Placement: { Constraints: ['node.hostname==h4'] }, Networks: [{ Target: 'appnet' }] }),
    );
    const web = await sw!.untilRunning(M, 'web', 3);
    assert.deepEqual(perHost(sw!, web), { h1: 1, h2: 1, h3: 1 });
    const [client] = await sw!.untilRunning(M, 'client', 1);
    assert.equal(sw!.hostOf(client!.NodeID), 'h4');

    const svc = await sw!.service(M, 'web');
    const vip = (
      svc as ServiceObject & { Endpoint?: { VirtualIPs?: Array<{ Addr: string }> } }
    ).Endpoint!.VirtualIPs![0]!.Addr.split('/')[0]!;
    const addrs = web.map((t) => t.NetworksAttachments!.find((a) => a.Network.Spec.Name === 'appnet')!.Addresses[0]!);
    const backends = addrs.map((a) => a.split('/')[0]!).sort();

    const h4 = sw!.hostOf(client!.NodeID);
    const c = (
      await sw!.api(h4, 'GET', `/containers/${client!.Status.ContainerStatus!.ContainerID}/json`)
    ).json<ContainerJson>();
    const resolv = readFileSync(c.ResolvConfPath, 'utf8');
    assert.match(resolv, /^nameserver 127\.0\.0\.11$/m);
    assert.match(resolv, /^options ndots:0$/m);

    await eventually(async () => (await resolve(client!, 'web')).join() === vip, 20_000, 'web resolves to the VIP');
    await eventually(
      async () => (await resolve(client!, 'tasks.web')).join() === backends.join(),
      20_000,
      'tasks.web resolves to 3 tasks',
    );
    // Every backend, straight over VXLAN, then through the VIP.
    for (const b of backends)
      await eventually(() => inTask(client!, ['/bin/busybox', 'ping', '-c', '1', '-W', '2', b]), 20_000, `ping ${b}`);
    const seen = new Set<string>();
    await eventually(
      async () => {
        seen.add((await inTask(client!, ['/bin/busybox', 'wget', '-q', '-O', '-', `http://${vip}/`])).trim());
        return seen.size === 3;
      },
      30_000,
      'the VIP reaches all 3 backends',
    );
    assert.equal(seen.size, 3);

    // Scaled to 2: the view the nodes get drops the third task from DNS and the VIP.
    await sw!.updateService(M, 'web', (spec) => ({ ...spec, Mode: { Replicated: { Replicas: 2 } } }));
    const left = await sw!.untilRunning(M, 'web', 2);
    const leftAddrs = left
      .map((t) => t.NetworksAttachments!.find((a) => a.Network.Spec.Name === 'appnet')!.Addresses[0]!.split('/')[0]!)
      .sort();
    await eventually(
      async () => (await resolve(client!, 'tasks.web')).join() === leftAddrs.join(),
      20_000,
      'tasks.web resolves to the 2 left',
    );
    const names = new Set(
      await Promise.all(
        leftAddrs.map((a) => inTask(client!, ['/bin/busybox', 'wget', '-q', '-O', '-', `http://${a}/`])),
      ),
    );
    for (let i = 0; i < 4; i++) {
      const got = await inTask(client!, ['/bin/busybox', 'wget', '-q', '-O', '-', `http://${vip}/`]);
      assert.ok(names.has(got), `the VIP answered ${got.trim()}, not one of the 2 left`);
    }
  });
});
