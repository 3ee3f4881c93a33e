import assert from 'node:assert/strict';
import { NetworkAllocations } from '../../../manager/allocator/network-allocations';
import { endpointFor } from '../../../manager/controlapi/plan-service-update';
import type { NetworkObject, ServiceObject, TaskObject } from '../../../src/api';
import { VXLAN_ID_OPTION } from '../../../src/rpc';
import { MemoryStore } from '../../../src/store';

function net(id: string, subnet: string, vni: number, ingress = false): NetworkObject {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: { Name: id, Ingress: ingress },
    DriverState: { Name: 'overlay', Options: { [VXLAN_ID_OPTION]: String(vni) } },
    IPAMOptions: { Driver: { Name: 'default' }, Configs: [{ Subnet: subnet, Gateway: subnet.replace(/0\/24$/, '1') }] },
  };
}

function svc(id: string, nets: string[], ports: ServiceObject['Spec']['EndpointSpec'] = undefined): ServiceObject {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: { Name: id, TaskTemplate: { Networks: nets.map((Target) => ({ Target })) }, EndpointSpec: ports },
    Endpoint: { Spec: ports ?? {} },
  };
}

function task(id: string, s: ServiceObject): TaskObject {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: s.ID,
    Spec: structuredClone(s.Spec.TaskTemplate),
    Status: { State: 'new' },
    DesiredState: 'running',
  };
}

describe('NetworkAllocations', () => {
  let a: NetworkAllocations;
  beforeEach(() => {
    a = new NetworkAllocations();
    a.addNetwork(net('ingress', '10.0.0.0/24', 4096, true));
    a.addNetwork(net('app', '10.0.1.0/24', 4097));
  });

  it('gives a vip service one VIP per network, ingress first when it publishes, and a dynamic port', () => {
    const s = svc('s', ['app'], { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress' }] });
    const ep = a.allocateService(s)!;
    assert.deepEqual(ep, {
      Spec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress' }] },
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress', PublishedPort: 30000 }],
      VirtualIPs: [
        { NetworkID: 'ingress', Addr: '10.0.0.2/24' },
        { NetworkID: 'app', Addr: '10.0.1.2/24' },
      ],
    });
    const done = { ...s, Endpoint: ep };
    assert.equal(a.allocateService(done), undefined, 'nothing to change the second time');
    const att = a.allocateTask(task('t1', done), done);
    assert.deepEqual(
      att.map((x) => [x.Network.ID, x.Addresses]),
      [
        ['ingress', ['10.0.0.3/24']],
        ['app', ['10.0.1.3/24']],
      ],
    );
    assert.equal(att[1].Network.DriverState?.Options?.[VXLAN_ID_OPTION], '4097');
  });

  it('gives a dnsrr service no VIP and a service without ports no ingress', () => {
    assert.deepEqual(a.allocateService(svc('d', ['app'], { Mode: 'dnsrr' })), undefined);
    const s = svc('v', ['app']);
    assert.deepEqual(a.allocateService(s)?.VirtualIPs, [{ NetworkID: 'app', Addr: '10.0.1.2/24' }]);
  });

  it('re-allocates VIPs when the network list changes and releases what a service or task gave up', () => {
    a.addNetwork(net('db', '10.0.2.0/24', 4098));
    const s = svc('s', ['app']);
    const ep1 = a.allocateService(s)!;
    const s2 = { ...svc('s', ['db']), Endpoint: ep1 };
    const ep2 = a.allocateService(s2)!;
    assert.deepEqual(ep2.VirtualIPs, [{ NetworkID: 'db', Addr: '10.0.2.2/24' }]);
    assert.equal(a.used('app'), 1, 'only the gateway is left on app');
    const t = { ...task('t', s2), NetworksAttachments: a.allocateTask(task('t', s2), s2) };
    assert.equal(a.used('db'), 3);
    a.releaseTask(t);
    a.releaseService({ ...s2, Endpoint: ep2 });
    assert.equal(a.used('db'), 1);
  });

  it('rebuilds what is taken from the store', async () => {
    const store = new MemoryStore();
    const s = svc('s', ['app'], { Ports: [{ TargetPort: 80 }] });
    const ep = a.allocateService(s)!;
    const done = { ...s, Endpoint: ep };
    const t = { ...task('t', done), NetworksAttachments: a.allocateTask(task('t', done), done) };
    await store.update((tx) => {
      tx.create('network', net('ingress', '10.0.0.0/24', 4096, true));
      tx.create('network', net('app', '10.0.1.0/24', 4097));
      tx.create('service', done);
      tx.create('task', t);
    });
    const b = store.view((tx) => NetworkAllocations.fromView(tx));
    assert.equal(b.used('app'), 3);
    assert.equal(b.used('ingress'), 3);
    const other = svc('o', [], { Ports: [{ TargetPort: 81 }] });
    assert.equal(b.allocateService(other)!.Ports![0].PublishedPort, 30001);
    assert.equal(b.allocateService(done), undefined, 'the stored allocation is kept as it is');
    store.close();
  });

  it('keeps a dynamic port across an update that resets Endpoint.Ports and refuses a held one', () => {
    const s = svc('s', [], { Ports: [{ TargetPort: 80 }] });
    const ep = a.allocateService(s)!;
    assert.equal(ep.Ports![0].PublishedPort, 30000);
    const again = a.allocateService({ ...s, Endpoint: ep });
    assert.equal(again, undefined);
    assert.throws(
      () => a.allocateService(svc('x', [], { Ports: [{ TargetPort: 80, PublishedPort: 30000 }] })),
      (e: any) => e.httpStatus === 409,
    );
  });
});

describe('endpointFor (service update)', () => {
  it('keeps the published port the allocator gave an ingress port published as 0', () => {
    const spec = {
      Mode: 'vip' as const,
      Ports: [{ Protocol: 'tcp' as const, TargetPort: 80, PublishMode: 'ingress' as const }],
    };
    const cur = {
      Spec: spec,
      Ports: [{ ...spec.Ports[0]!, PublishedPort: 30005 }],
      VirtualIPs: [{ NetworkID: 'n', Addr: '10.0.1.2/24' }],
    };
    assert.deepEqual(endpointFor(spec, cur), { Spec: spec, Ports: cur.Ports, VirtualIPs: cur.VirtualIPs });
    assert.equal(
      endpointFor({ ...spec, Ports: [{ ...spec.Ports[0]!, TargetPort: 81 }] }, cur).Ports![0]!.PublishedPort,
      undefined,
    );
  });
});
