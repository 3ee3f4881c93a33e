import assert from 'node:assert/strict';
import { ingressNetworkObject } from '../../../manager/allocator';
import { assignmentSet } from '../../../manager/dispatcher/assignment-set';
import { NetworkViews } from '../../../manager/dispatcher/network-views';
import type { TaskObject } from '../../../src/api';
import { MemoryStore } from '../../../src/store';
import { addService, addTask } from './fixtures';

/** A store with the ingress network, three nodes with load-balancer addresses, one web task on n1. */
async function meshStore(publish: boolean): Promise<{ store: MemoryStore; ingress: string }> {
  const store = new MemoryStore();
  let ingress = '';
  await store.update((tx) => {
    ingress = tx.create('network', ingressNetworkObject()).ID;
    for (const [i, id] of ['n1', 'n2', 'n3'].entries())
      tx.create('node', {
        ID: id,
        Spec: { Role: 'worker', Availability: 'active' },
        Status: { State: 'ready', Addr: `192.0.2.${i + 1}` },
        Internal: { ingressAddr: `10.0.0.${i + 10}/24` },
      } as never);
  });
  const ports = [{ Protocol: 'tcp' as const, TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' as const }];
  await addService(
    store,
    'web',
    publish ? { EndpointSpec: { Ports: ports } } : {},
    publish ? { Endpoint: { Ports: ports, VirtualIPs: [{ NetworkID: ingress, Addr: '10.0.0.2/24' }] } } : {},
  );
  const net = store.view((tx) => tx.get('network', ingress)!);
  await addTask(store, 't1', 'n1', {
    ServiceID: 'web',
    Status: { State: 'running' },
    DesiredState: 'running',
    NetworksAttachments: publish ? [{ Network: net, Addresses: ['10.0.0.3/24'] }] : [],
  } as Partial<TaskObject>);
  return { store, ingress };
}

describe('ingress routing mesh view', () => {
  it('every node gets the ingress view with the load balancers and the published ports', async () => {
    const { store, ingress } = await meshStore(true);
    const views = new NetworkViews();
    for (const node of ['n1', 'n2', 'n3']) {
      const set = store.view((tx) => assignmentSet(tx, node, views));
      assert.deepEqual(
        set.networks.map((n) => n.ID),
        [ingress],
        `${node} has the ingress view`,
      );
      const v = set.networks[0]!;
      assert.deepEqual(v.LoadBalancers, [
        { NodeID: 'n1', NodeAddr: '192.0.2.1', Addr: '10.0.0.10' },
        { NodeID: 'n2', NodeAddr: '192.0.2.2', Addr: '10.0.0.11' },
        { NodeID: 'n3', NodeAddr: '192.0.2.3', Addr: '10.0.0.12' },
      ]);
      assert.deepEqual(
        v.Services.map((s) => [s.VIP, s.Backends, s.Ports]),
        [['10.0.0.2', ['10.0.0.3'], [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }]]],
      );
    }
    assert.equal(views.builds, 1, 'one view built for all the sessions');
    store.close();
  });

  it('without a published port no node gets the ingress view', async () => {
    const { store } = await meshStore(false);
    for (const node of ['n1', 'n2']) assert.deepEqual(store.view((tx) => assignmentSet(tx, node)).networks, []);
    store.close();
  });
});
