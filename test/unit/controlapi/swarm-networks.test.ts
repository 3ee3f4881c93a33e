import assert from 'node:assert/strict';
import { ingressNetworkObject, networkSubnet, networkUniqueKeys, networkVni } from '../../../manager/allocator';
import { SwarmNetworks } from '../../../manager/controlapi/swarm-networks';
import type { SwarmControl } from '../../../manager/controlapi/swarm-control';
import { WorkerNodeError } from '../../../manager/errors';
import type { Manager } from '../../../manager/manager';
import { MemoryStore } from '../../../src/store';
import { sample } from './samples';

function control(store: MemoryStore | undefined): SwarmControl {
  return {
    init: async () => '',
    join: async () => {},
    leave: async () => {},
    manager: () => {
      if (!store) throw new WorkerNodeError();
      return { store } as unknown as Manager;
    },
    localNodeId: () => 'node1',
  };
}

/** The body `docker network create -d overlay NAME` sends. */
const cliBody = (name: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  Driver: 'overlay',
  Scope: '',
  IPAM: { Driver: 'default', Options: {}, Config: [] },
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigOnly: false,
  ConfigFrom: null,
  Options: {},
  Labels: {},
  ...extra,
});

const status = (code: number, re: RegExp) => (e: any) => e.httpStatus === code && re.test(e.message);

describe('SwarmNetworks', () => {
  let store: MemoryStore;
  let nets: SwarmNetworks;
  beforeEach(async () => {
    store = new MemoryStore();
    await store.update((tx) => tx.create('network', ingressNetworkObject()));
    nets = new SwarmNetworks(control(store));
  });
  afterEach(() => store.close());

  it('creates an overlay network with the next subnet and VNI, in the engine shape of GET_networks_overlay_user.json', async () => {
    const { Id, Warning } = await nets.create(cliBody('app', { Labels: { a: 'b' }, Attachable: true }));
    assert.equal(Warning, '');
    const n = nets.find('app')!;
    assert.equal(n.Id, Id);
    assert.deepEqual(n.IPAM, {
      Driver: 'default',
      Options: null,
      Config: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }],
    });
    assert.deepEqual(n.Options, { 'com.docker.network.driver.overlay.vxlanid_list': '4097' });
    assert.equal(n.Attachable, true);
    assert.deepEqual(n.Labels, { a: 'b' });
    const ref = sample('GET_networks_overlay_user.json');
    if (ref) {
      const { Peers: _p, ...want } = ref;
      assert.deepEqual(Object.keys(n).sort(), Object.keys(want).sort());
    }
    assert.equal(nets.find(Id.slice(0, 5))?.Name, 'app', 'an ID prefix');
    assert.deepEqual(
      nets
        .list()
        .map((x) => x.Name)
        .sort(),
      ['app', 'ingress'],
    );
  });

  it('honours IPAM.Config and refuses overlaps, duplicates and bad fields', async () => {
    await nets.create(
      cliBody('db', { IPAM: { Driver: 'default', Config: [{ Subnet: '10.5.0.0/16', Gateway: '10.5.0.9' }] } }),
    );
    assert.deepEqual(nets.find('db')!.IPAM.Config, [{ Subnet: '10.5.0.0/16', Gateway: '10.5.0.9' }]);
    await assert.rejects(nets.create(cliBody('db')), status(409, /network with name db already exists/));
    await assert.rejects(
      nets.create(cliBody('bridge'), (n) => n === 'bridge'),
      status(409, /already exists/),
    );
    await assert.rejects(
      nets.create(cliBody('x', { IPAM: { Config: [{ Subnet: '10.5.1.0/24' }] } })),
      status(409, /overlaps network db/),
    );
    await assert.rejects(nets.create(cliBody('')), status(400, /Name/));
    await assert.rejects(nets.create(cliBody('y', { Labels: { a: 1 } })), status(400, /Labels/));
    await assert.rejects(nets.create(cliBody('y', { Internal: 'yes' })), status(400, /Internal/));
    await assert.rejects(
      nets.create(cliBody('y', { Ingress: true })),
      status(409, /ingress network .* is already present/),
    );
  });

  it('removes a network no service uses; refuses one in use, and ingress while ports are published', async () => {
    const { Id } = await nets.create(cliBody('app'));
    const ingress = nets.find('ingress')!.Id;
    await store.update((tx) =>
      tx.create('service', {
        ID: 'svc1',
        Spec: {
          Name: 'web',
          TaskTemplate: { Networks: [{ Target: Id }] },
          EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }] },
        },
      }),
    );
    await assert.rejects(
      nets.remove('app'),
      status(400, new RegExp(`^rpc error: code = FailedPrecondition desc = network ${Id} is in use by service svc1$`)),
    );
    await assert.rejects(nets.remove(ingress), status(400, /ingress network cannot be removed because service svc1/));
    await store.update((tx) => tx.delete('service', 'svc1'));
    assert.equal(await nets.remove('app'), true);
    assert.equal(await nets.remove('app'), false);
    assert.equal(nets.find('app'), undefined);
  });

  it('refuses while a running task of a live service is on it; a task of a removed service does not hold it', async () => {
    const { Id } = await nets.create(cliBody('app'));
    const network = store.view((tx) => tx.get('network', Id)!);
    await store.update((tx) => {
      tx.create('service', { ID: 'svc2', Spec: { Name: 'moved', TaskTemplate: {} } });
      tx.create('task', {
        ID: 't1',
        ServiceID: 'svc2',
        Spec: {},
        Status: { State: 'running' },
        DesiredState: 'running',
        NodeID: 'n1',
        NetworksAttachments: [{ Network: network, Addresses: ['10.0.1.3/24'] }],
      });
    });
    await assert.rejects(nets.remove('app'), status(400, /network .* is in use by task t1$/));
    await store.update((tx) => tx.delete('service', 'svc2'));
    assert.equal(await nets.remove('app'), true);
  });

  it('shows nothing on a worker and refuses to create there with 503', async () => {
    const w = new SwarmNetworks(control(undefined));
    assert.deepEqual(w.list(), []);
    assert.equal(w.find('ingress'), undefined);
    assert.equal(await w.remove('ingress'), false);
    await assert.rejects(w.create(cliBody('app')), status(503, /This node is not a swarm manager/));
  });

  describe('creates that run at once (their writes applied only after both allocated)', () => {
    let racing: MemoryStore;
    beforeEach(async () => {
      // Each batch applies on a later turn, as a raft proposal does: both creates allocate
      // from the same view, the second one's subnet and VXLAN id are taken when it applies.
      const s: MemoryStore = new MemoryStore({
        proposer: { propose: (d) => new Promise((res) => setImmediate(() => res(s.apply(s.index + 1, d)))) },
        uniqueKeys: { network: networkUniqueKeys },
      });
      racing = s;
      await racing.update((tx) => tx.create('network', ingressNetworkObject()));
      nets = new SwarmNetworks(control(racing));
    });
    afterEach(() => racing.close());

    it('give each network a subnet and a VXLAN id of its own', async () => {
      const ids = await Promise.all(['a', 'b', 'c'].map((n) => nets.create(cliBody(n))));
      const stored = racing.view((tx) => ids.map((r) => tx.get('network', r.Id)!));
      assert.deepEqual(stored.map(networkSubnet).sort(), ['10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']);
      assert.equal(new Set(stored.map(networkVni)).size, 3);
    });

    it('let one of two have a subnet both asked for, and refuse the other as an overlap', async () => {
      const ipam = { IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.9.0.0/24' }] } };
      const results = await Promise.allSettled([nets.create(cliBody('x', ipam)), nets.create(cliBody('y', ipam))]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(status(409, /Pool overlaps with other one on this address space/)(refused.reason));
    });

    for (const order of [
      ['10.8.0.0/16', '10.8.3.0/24'],
      ['10.8.3.0/24', '10.8.0.0/16'],
    ])
      it(`let one of two overlapping subnets in, ${order.join(' first, then ')}`, async () => {
        const ipam = (subnet: string) => ({ IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: subnet }] } });
        const results = await Promise.allSettled(order.map((sn, i) => nets.create(cliBody(`o${i}`, ipam(sn)))));
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'rejected'],
        );
        // Refused as it applies, or at once when the first create applied before it allocated.
        const refused = (results[1] as PromiseRejectedResult).reason as Error;
        assert.ok(status(409, new RegExp(`${order[1]} overlaps .*${order[0]}`))(refused), refused.message);
        const subnets = racing.view((tx) => tx.find('network').map(networkSubnet));
        assert.ok(subnets.includes(order[0]) && !subnets.includes(order[1]));
      });

    it('let two subnets inside one pool in at once: covering the same supernets is no clash', async () => {
      const ipam = (subnet: string) => ({ IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: subnet }] } });
      const ids = await Promise.all(
        ['10.7.1.0/24', '10.7.2.0/24'].map((sn, i) => nets.create(cliBody(`p${i}`, ipam(sn)))),
      );
      assert.equal(ids.length, 2);
    });
  });
});
