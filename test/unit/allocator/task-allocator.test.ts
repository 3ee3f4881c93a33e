import assert from 'node:assert/strict';
import { ingressNetworkObject, newNetworkObject, TaskAllocator } from '../../../manager/allocator';
import type { ServiceSpec } from '../../../src/api';
import { MemoryStore } from '../../../src/store';
import { quiet, testAllocator } from '../services-wiring/fixtures';

const spec = (nets: string[], ports = false): ServiceSpec => ({
  Name: 'web',
  TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Networks: nets.map((Target) => ({ Target })) },
  EndpointSpec: ports
    ? { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress' }] }
    : undefined,
});

describe('TaskAllocator (networks)', () => {
  let store: MemoryStore;
  let a: TaskAllocator;
  let app = '';
  let ingress = '';

  const newTask = (id: string, s: ServiceSpec) =>
    store.update((tx) =>
      tx.create('task', {
        ID: id,
        ServiceID: 'svc',
        Slot: 1,
        Spec: structuredClone(s.TaskTemplate),
        Status: { State: 'new' },
        DesiredState: 'running',
      }),
    );
  const task = (id: string) => store.view((tx) => tx.get('task', id)!);
  const service = () => store.view((tx) => tx.get('service', 'svc')!);

  beforeEach(async () => {
    store = new MemoryStore();
    await store.update((tx) => {
      ingress = tx.create('network', ingressNetworkObject()).ID;
      app = tx.create(
        'network',
        newNetworkObject({ Name: 'app' }, { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097 }),
      ).ID;
    });
    a = testAllocator(store);
  });

  afterEach(async () => {
    await a.stop();
    store.close();
  });

  it('gives the service VIPs and a published port, and the task addresses before pending', async () => {
    const s = spec([app], true);
    await store.update((tx) => tx.create('service', { ID: 'svc', Spec: s, Endpoint: { Spec: s.EndpointSpec } }));
    await newTask('t1', s);
    a.start();
    await a.settled();
    assert.deepEqual(service().Endpoint, {
      Spec: s.EndpointSpec,
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress', PublishedPort: 30000 }],
      VirtualIPs: [
        { NetworkID: ingress, Addr: '10.0.0.2/24' },
        { NetworkID: app, Addr: '10.0.1.2/24' },
      ],
    });
    const t = task('t1');
    assert.equal(t.Status.State, 'pending');
    assert.deepEqual(
      t.NetworksAttachments!.map((x) => [x.Network.Spec.Name, x.Addresses]),
      [
        ['ingress', ['10.0.0.3/24']],
        ['app', ['10.0.1.3/24']],
      ],
    );
    assert.equal(t.NetworksAttachments![1].Network.IPAMOptions?.Configs?.[0].Subnet, '10.0.1.0/24');
  });

  it('reuses a deleted task address, re-allocates VIPs on a network change, releases a removed service', async () => {
    const s = spec([app]);
    await store.update((tx) => tx.create('service', { ID: 'svc', Spec: s, Endpoint: { Spec: {} } }));
    a.start();
    await newTask('t1', s);
    await newTask('t2', s);
    await a.settled();
    assert.deepEqual(service().Endpoint?.VirtualIPs, [{ NetworkID: app, Addr: '10.0.1.2/24' }]);
    assert.deepEqual(task('t2').NetworksAttachments![0].Addresses, ['10.0.1.4/24']);
    await store.update((tx) => tx.delete('task', 't1'));
    await newTask('t3', s);
    await a.settled();
    assert.deepEqual(task('t3').NetworksAttachments![0].Addresses, ['10.0.1.3/24'], 't1 gave its address back');

    const db = (
      await store.update((tx) =>
        tx.create(
          'network',
          newNetworkObject({ Name: 'db' }, { subnet: '10.0.2.0/24', gateway: '10.0.2.1', vni: 4098 }),
        ),
      )
    ).ID;
    const cur = service();
    await store.update((tx) =>
      tx.update('service', { ...structuredClone(cur), Spec: { ...cur.Spec, TaskTemplate: spec([db]).TaskTemplate } }),
    );
    await a.settled();
    assert.deepEqual(service().Endpoint?.VirtualIPs, [{ NetworkID: db, Addr: '10.0.2.2/24' }]);

    await store.update((tx) => tx.delete('service', 'svc'));
    await store.update((tx) =>
      tx.create('service', { ID: 'svc2', Spec: { ...spec([db]), Name: 'other' }, Endpoint: { Spec: {} } }),
    );
    await a.settled();
    assert.deepEqual(
      store.view((tx) => tx.get('service', 'svc2')!.Endpoint?.VirtualIPs),
      [{ NetworkID: db, Addr: '10.0.2.2/24' }],
    );
  });

  it('rebuilds what is taken when it starts again (a new leader)', async () => {
    const s = spec([app]);
    await store.update((tx) => tx.create('service', { ID: 'svc', Spec: s, Endpoint: { Spec: {} } }));
    await newTask('t1', s);
    a.start();
    await a.settled();
    await a.stop();
    a = new TaskAllocator({ store, logger: quiet, clock: { now: () => 0, setTimer: () => 0, clearTimer() {} } });
    a.start();
    await newTask('t2', s);
    await a.settled();
    assert.deepEqual(task('t1').NetworksAttachments![0].Addresses, ['10.0.1.3/24']);
    assert.deepEqual(task('t2').NetworksAttachments![0].Addresses, ['10.0.1.4/24']);
    assert.deepEqual(service().Endpoint?.VirtualIPs, [{ NetworkID: app, Addr: '10.0.1.2/24' }]);
  });
});
