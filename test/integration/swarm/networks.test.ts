import assert from 'node:assert/strict';
import * as path from 'node:path';
import { requireContainerd } from '../../support/containerd';
import { runCli } from '../../e2e/cli-runner';
import type { NetworkView } from '../../../src/rpc';
import { assignmentSet } from '../../../manager/dispatcher/assignment-set';
import type { Manager } from '../../../manager/manager';
import { eventually, startTwoNodeSwarm, teardownSwarm, type SwarmDaemon } from './swarm-daemons';

const CLI = path.join(__dirname, '../../../cli/main.js');
const VXLAN = 'com.docker.network.driver.overlay.vxlanid_list';

/** The body `docker network create -d overlay NAME` sends (CLI 28). */
const cliBody = (name: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  Driver: 'overlay',
  Scope: '',
  IPAM: { Driver: 'default', Options: {}, Config: [] },
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigOnly: false,
  ConfigFrom: { Network: '' },
  Options: {},
  Labels: {},
  ...extra,
});

const filters = (f: Record<string, string[]>) =>
  encodeURIComponent(
    JSON.stringify(
      Object.fromEntries(Object.entries(f).map(([k, vs]) => [k, Object.fromEntries(vs.map((v) => [v, true]))])),
    ),
  );

describe('swarm networks: overlay networks, VIPs and the network views (real daemons)', function () {
  this.timeout(90_000);
  const ds: SwarmDaemon[] = [];
  let mgr: SwarmDaemon, wkr: SwarmDaemon;
  let appId = '';
  let serviceId = '';
  const manager = () => (mgr.daemon as unknown as { swarm: { manager(): Manager } }).swarm.manager();

  before(async function () {
    requireContainerd(this);
    this.timeout(60_000);
    ({ mgr, wkr } = await startTwoNodeSwarm(47, 24200));
    ds.push(mgr, wkr);
  });

  after(async function () {
    this.timeout(60_000);
    if (!mgr) return;
    await teardownSwarm(ds, async (m) => {
      if (serviceId) await m.api('DELETE', `/v1.44/services/${serviceId}`);
    });
  });

  it("swarm init creates Docker's ingress network (10.0.0.0/24, VNI 4096)", async () => {
    const r = await mgr.api('GET', '/v1.44/networks/ingress');
    assert.equal(r.status, 200, r.body);
    const { Id, Created, ...rest } = r.json;
    assert.ok(Id && Created);
    assert.deepEqual(rest, {
      Name: 'ingress',
      Scope: 'swarm',
      Driver: 'overlay',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }] },
      Internal: false,
      Attachable: false,
      Ingress: true,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: {},
      Options: { [VXLAN]: '4096' },
      Labels: {},
    });
  });

  it('network create -d overlay, ls with filters, inspect by name, ID, prefix and ?scope=swarm; errors', async () => {
    const c = await mgr.api(
      'POST',
      '/v1.44/networks/create',
      cliBody('app', { Labels: { tier: 'front' }, Attachable: true }),
    );
    assert.equal(c.status, 201, c.body);
    assert.equal(c.json.Warning, '');
    appId = c.json.Id;
    const names = async (q = '') =>
      ((await mgr.api('GET', `/v1.44/networks${q}`)).json as { Name: string }[]).map((n) => n.Name).sort();
    assert.deepEqual(await names(), ['app', 'bridge', 'host', 'ingress', 'none']);
    assert.deepEqual(await names(`?filters=${filters({ driver: ['overlay'] })}`), ['app', 'ingress']);
    assert.deepEqual(await names(`?filters=${filters({ scope: ['local'] })}`), ['bridge', 'host', 'none']);
    assert.deepEqual(await names(`?filters=${filters({ label: ['tier=front'] })}`), ['app']);
    assert.deepEqual(await names(`?filters=${filters({ type: ['builtin'] })}`), ['bridge', 'host', 'ingress', 'none']);
    assert.deepEqual(await names(`?filters=${filters({ type: ['custom'], scope: ['swarm'] })}`), ['app']);
    for (const ref of ['app', appId, appId.slice(0, 6), 'app?scope=swarm']) {
      const r = await mgr.api('GET', `/v1.44/networks/${ref}`);
      assert.equal(r.status, 200, `${ref}: ${r.body}`);
      assert.equal(r.json.Id, appId);
      assert.deepEqual(r.json.IPAM.Config, [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }]);
      assert.deepEqual(r.json.Options, { [VXLAN]: '4097' });
      assert.equal(r.json.Attachable, true);
    }
    assert.equal((await mgr.api('GET', '/v1.44/networks/bridge')).json.Scope, 'local', 'local networks as before');
    assert.equal((await mgr.api('GET', '/v1.44/networks/bridge?scope=swarm')).status, 404);

    const own = await mgr.api(
      'POST',
      '/v1.44/networks/create',
      cliBody('db-net', { IPAM: { Driver: 'default', Config: [{ Subnet: '10.20.0.0/16', Gateway: '10.20.0.254' }] } }),
    );
    assert.equal(own.status, 201, own.body);
    assert.deepEqual((await mgr.api('GET', '/v1.44/networks/db-net')).json.IPAM.Config, [
      { Subnet: '10.20.0.0/16', Gateway: '10.20.0.254' },
    ]);
    const dup = await mgr.api('POST', '/v1.44/networks/create', cliBody('app'));
    assert.deepEqual([dup.status, dup.json], [409, { message: 'network with name app already exists' }]);
    const overlap = await mgr.api(
      'POST',
      '/v1.44/networks/create',
      cliBody('x', { IPAM: { Config: [{ Subnet: '10.20.1.0/24' }] } }),
    );
    assert.equal(overlap.status, 409, overlap.body);
    assert.match(overlap.json.message, /overlaps network db-net/);
    const bad = await mgr.api('POST', '/v1.44/networks/create', cliBody('x', { Labels: ['a'] }));
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /Labels/);
    const worker = await wkr.api('POST', '/v1.44/networks/create', cliBody('w'));
    assert.equal(worker.status, 503);
    assert.match(worker.json.message, /This node is not a swarm manager/);
    assert.equal((await mgr.api('DELETE', '/v1.44/networks/db-net')).status, 204);
    // A name with a dash is never an ID prefix: the lookup after the removal cannot fall through to one.
    assert.equal((await mgr.api('GET', '/v1.44/networks/db-net')).status, 404);
  });

  it('a service on the network gets its VIPs and published port; its tasks their addresses; rm is refused while it is there', async () => {
    const r = await mgr.api('POST', '/v1.44/services/create', {
      Name: 'webnet',
      TaskTemplate: {
        ContainerSpec: { Image: 'busybox', Args: ['sleep', '3600'], StopGracePeriod: 1_000_000_000 },
        Networks: [{ Target: 'app', Aliases: ['web'] }],
      },
      Mode: { Replicated: { Replicas: 2 } },
      EndpointSpec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress' }] },
    });
    assert.equal(r.status, 201, r.body);
    serviceId = r.json.ID;
    const ingressId = (await mgr.api('GET', '/v1.44/networks/ingress')).json.Id;
    const svc = await eventually(async () => {
      const s = (await mgr.api('GET', `/v1.44/services/${serviceId}`)).json;
      return s.Endpoint?.VirtualIPs?.length === 2 && s;
    });
    assert.deepEqual(svc.Spec.TaskTemplate.Networks, [{ Target: appId, Aliases: ['web'] }]);
    // On ingress the nodes' load-balancer addresses come first, so the VIP's number depends on them.
    const ingressVip = svc.Endpoint.VirtualIPs[0].Addr as string;
    assert.match(ingressVip, /^10\.0\.0\.\d+\/24$/);
    assert.deepEqual(svc.Endpoint, {
      Spec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress' }] },
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 30000, PublishMode: 'ingress' }],
      VirtualIPs: [
        { NetworkID: ingressId, Addr: ingressVip },
        { NetworkID: appId, Addr: '10.0.1.2/24' },
      ],
    });
    const tasks = await eventually(
      async () => {
        const ts = (await mgr.api('GET', `/v1.44/tasks?filters=${filters({ service: ['webnet'] })}`)).json as any[];
        return ts.length === 2 && ts.every((t) => t.Status.State === 'running') && ts;
      },
      30_000,
      'two running tasks',
    );
    const addrs = tasks.map((t) => t.NetworksAttachments.map((a: any) => [a.Network.Spec.Name, a.Addresses[0]]));
    const ingressAddrs = addrs.map((a) => a[0]);
    for (const [name, addr] of ingressAddrs) {
      assert.equal(name, 'ingress');
      assert.match(addr, /^10\.0\.0\.\d+\/24$/);
    }
    assert.equal(new Set([ingressVip, ...ingressAddrs.map((a) => a[1])]).size, 3, 'distinct ingress addresses');
    assert.deepEqual(addrs.map((a) => a[1]).sort(), [
      ['app', '10.0.1.3/24'],
      ['app', '10.0.1.4/24'],
    ]);
    const att = tasks[0].NetworksAttachments[1].Network;
    assert.equal(att.ID, appId);
    assert.deepEqual(att.DriverState, { Name: 'overlay', Options: { [VXLAN]: '4097' } });
    assert.deepEqual(att.IPAMOptions, {
      Driver: { Name: 'default' },
      Configs: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }],
    });

    const rm = await mgr.api('DELETE', '/v1.44/networks/app');
    assert.deepEqual(
      [rm.status, rm.json],
      [
        400,
        { message: `rpc error: code = FailedPrecondition desc = network ${appId} is in use by service ${serviceId}` },
      ],
    );
    const rmIngress = await mgr.api('DELETE', `/v1.44/networks/${ingressId}`);
    assert.equal(rmIngress.status, 400);
    assert.match(rmIngress.json.message, /ingress network cannot be removed because service/);
    const nope = await mgr.api('POST', '/v1.44/services/create', {
      Name: 'nonet',
      TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Networks: [{ Target: 'nope' }] },
    });
    assert.deepEqual([nope.status, nope.json], [404, { message: 'network nope not found' }]);
  });

  it('each node is given the view of the networks its tasks attach to: every endpoint, the VIP and the running backends', async () => {
    const m = manager();
    const nodes = (await mgr.api('GET', '/v1.44/nodes')).json as { ID: string; Status: { Addr: string } }[];
    const viewsOf = (nodeId: string): NetworkView[] =>
      m.store.view((tx) => assignmentSet(tx, nodeId, m.dispatcher.networkViews)).networks as NetworkView[];
    const tasks = (await mgr.api('GET', `/v1.44/tasks?filters=${filters({ service: ['webnet'] })}`)).json as any[];
    for (const node of nodes) {
      const mine = tasks.filter((t) => t.NodeID === node.ID);
      const views = viewsOf(node.ID);
      if (!mine.length) {
        assert.deepEqual(views, []);
        continue;
      }
      assert.deepEqual(views.map((v) => v.Name).sort(), ['app', 'ingress']);
      const app = views.find((v) => v.Name === 'app')!;
      assert.deepEqual(
        [app.ID, app.VNI, app.Subnet, app.Gateway, app.Ingress],
        [appId, 4097, '10.0.1.0/24', '10.0.1.1', false],
      );
      assert.deepEqual(
        app.Endpoints.map((e) => [e.TaskID, e.NodeAddr, e.Addr]).sort(),
        tasks
          .map((t) => [
            t.ID,
            nodes.find((n) => n.ID === t.NodeID)!.Status.Addr,
            t.NetworksAttachments[1].Addresses[0].split('/')[0],
          ])
          .sort(),
      );
      assert.deepEqual(app.Services, [
        {
          ServiceID: serviceId,
          Name: 'webnet',
          Aliases: ['web'],
          Mode: 'vip',
          VIP: '10.0.1.2',
          Backends: ['10.0.1.3', '10.0.1.4'],
        },
      ]);
      assert.ok(app.Version > 0 && app.Version <= m.store.index);
    }
    // The worker's session was sent the same (the dispatcher's shared views).
    const total = nodes.reduce((n, node) => n + viewsOf(node.ID).length, 0);
    assert.ok(total >= 2);
  });

  it('removing the service frees the network; then it can be removed', async () => {
    assert.equal((await mgr.api('DELETE', `/v1.44/services/${serviceId}`)).status, 200);
    serviceId = '';
    await eventually(
      async () => (await mgr.api('DELETE', '/v1.44/networks/app')).status === 204,
      30_000,
      'network app removed',
    );
    assert.equal((await mgr.api('GET', '/v1.44/networks/app')).status, 404);
  });

  it('the tsswarm CLI: network create -d overlay with flags, ls, inspect, rm', async () => {
    const cli = (...args: string[]) =>
      runCli(process.execPath, [CLI, '-H', `unix://${mgr.socket}`, ...args], process.env);
    const c = await cli(
      'network',
      'create',
      '-d',
      'overlay',
      '--subnet',
      '10.30.0.0/24',
      '--gateway',
      '10.30.0.1',
      '--attachable',
      '--internal',
      '--label',
      'a=b',
      'clinet',
    );
    assert.equal(c.code, 0, c.stderr);
    const id = c.stdout.trim();
    const ls = await cli('network', 'ls', '--filter', 'driver=overlay');
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n/);
    assert.match(ls.stdout, new RegExp(`${id.slice(0, 12)}\\s+clinet\\s+overlay\\s+swarm`));
    assert.match(ls.stdout, /ingress\s+overlay\s+swarm/);
    const ins = await cli('network', 'inspect', 'clinet');
    assert.equal(ins.code, 0, ins.stderr);
    const [n] = JSON.parse(ins.stdout);
    assert.deepEqual(
      [n.Id, n.Internal, n.Attachable, n.Labels, n.IPAM.Config],
      [id, true, true, { a: 'b' }, [{ Subnet: '10.30.0.0/24', Gateway: '10.30.0.1' }]],
    );
    const rm = await cli('network', 'rm', 'clinet');
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await cli('network', 'inspect', 'clinet')).code, 1);
  });
});
