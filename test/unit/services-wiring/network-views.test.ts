import assert from 'node:assert/strict';
import { newNetworkObject } from '../../../manager/allocator';
import { AssignmentStream } from '../../../manager/dispatcher/assignment-stream';
import { assignmentSet } from '../../../manager/dispatcher/assignment-set';
import { NetworkViews } from '../../../manager/dispatcher/network-views';
import type { NetworkAttachment, NetworkObject } from '../../../src/api';
import type { AssignmentsMessage, NetworkView } from '../../../src/rpc';
import { MemoryStore } from '../../../src/store';
import { addNode, addService, addTask, editTask, quiet, turn, until } from './fixtures';

const views = (m: AssignmentsMessage | undefined): NetworkView[] =>
  (m?.changes ?? []).flatMap((c) => (c.assignment.kind === 'network' ? [c.assignment.network] : []));

describe('network views', () => {
  let store: MemoryStore;
  let net: NetworkObject;
  const on = (addr: string): NetworkAttachment[] => [{ Network: net, Addresses: [`${addr}/24`] }];

  beforeEach(async () => {
    store = new MemoryStore();
    net = await store.update((tx) =>
      tx.create(
        'network',
        newNetworkObject({ Name: 'app' }, { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097 }),
      ),
    );
    for (const [id, addr] of [
      ['n1', '192.168.1.1'],
      ['n2', '192.168.1.2'],
    ])
      await store.update((tx) => {
        tx.create('node', {
          ID: id,
          Spec: { Role: 'worker', Availability: 'active', Labels: {} },
          Description: { Hostname: id },
          Status: { State: 'ready', Addr: addr },
        });
      });
    await addNode(store, 'n3');
    await addService(
      store,
      'web',
      { TaskTemplate: { Networks: [{ Target: net.ID, Aliases: ['w'] }] } },
      { Endpoint: { Spec: { Mode: 'vip' }, VirtualIPs: [{ NetworkID: net.ID, Addr: '10.0.1.2/24' }] } },
    );
  });
  afterEach(() => store.close());

  it('lists live endpoints with their node address and the service VIP with its running backends', async () => {
    await addTask(store, 'a', 'n1', {
      Name: 'web.1.a',
      NetworksAttachments: on('10.0.1.3'),
      Status: { State: 'running' },
    });
    await addTask(store, 'b', 'n2', { Name: 'web.2.b', NetworksAttachments: on('10.0.1.4') });
    await addTask(store, 'c', 'n2', { NetworksAttachments: on('10.0.1.5'), Status: { State: 'failed' } });
    await addTask(store, 'd', undefined, { NetworksAttachments: on('10.0.1.6'), Status: { State: 'pending' } });
    const v = store.view((tx) => new NetworkViews().view(tx, net.ID))!;
    assert.deepEqual(v, {
      ID: net.ID,
      Name: 'app',
      VNI: 4097,
      Subnet: '10.0.1.0/24',
      Gateway: '10.0.1.1',
      Internal: false,
      Ingress: false,
      Version: store.index,
      Endpoints: [
        { TaskID: 'a', TaskName: 'web.1.a', ServiceID: 'web', NodeID: 'n1', NodeAddr: '192.168.1.1', Addr: '10.0.1.3' },
        { TaskID: 'b', TaskName: 'web.2.b', ServiceID: 'web', NodeID: 'n2', NodeAddr: '192.168.1.2', Addr: '10.0.1.4' },
      ],
      Services: [
        { ServiceID: 'web', Name: 'web', Aliases: ['w'], Mode: 'vip', VIP: '10.0.1.2', Backends: ['10.0.1.3'] },
      ],
    });
  });

  it('builds each view once per store index and keeps an unchanged one (and its Version)', async () => {
    await addTask(store, 'a', 'n1', { NetworksAttachments: on('10.0.1.3') });
    const nv = new NetworkViews();
    const v1 = store.view((tx) => nv.view(tx, net.ID));
    assert.equal(
      store.view((tx) => nv.view(tx, net.ID)),
      v1,
    );
    assert.equal(nv.builds, 1);
    await addNode(store, 'n4');
    const v2 = store.view((tx) => nv.view(tx, net.ID));
    assert.equal(v2, v1, 'nothing on the network changed: the same view');
    await editTask(store, 'a', (t) => (t.Status = { State: 'running' }));
    const v3 = store.view((tx) => nv.view(tx, net.ID))!;
    assert.notEqual(v3, v1);
    assert.equal(v3.Version, store.index);
    assert.deepEqual(v3.Services[0]!.Backends, ['10.0.1.3']);
  });

  it("a node gets the view of its tasks' networks, again when another node's endpoint changes, and loses it with them", async () => {
    const sent: AssignmentsMessage[] = [];
    const stream = new AssignmentStream({ store, nodeId: 'n1', send: (m) => sent.push(m), logger: quiet });
    try {
      stream.start();
      assert.deepEqual(views(sent[0]), []);
      await addTask(store, 'a', 'n1', { NetworksAttachments: on('10.0.1.3') });
      await until(() => sent.length === 2);
      assert.equal(sent[1]!.changes[0]!.assignment.kind, 'network', 'the network comes before its tasks');
      assert.deepEqual(
        views(sent[1]).map((v) => v.Endpoints.map((e) => e.TaskID)),
        [['a']],
      );
      await addTask(store, 'b', 'n2', { NetworksAttachments: on('10.0.1.4') });
      await until(() => sent.length === 3);
      assert.deepEqual(
        views(sent[2]).map((v) => v.Endpoints.map((e) => e.TaskID)),
        [['a', 'b']],
      );
      assert.ok(views(sent[2])[0]!.Version > views(sent[1])[0]!.Version);
      await addTask(store, 'x', 'n3', { Slot: 9 });
      await addNode(store, 'n5');
      await turn(10);
      assert.equal(sent.length, 3, 'nothing on the network changed: nothing sent');
      await store.update((tx) => tx.delete('task', 'a'));
      await until(() => sent.length === 4);
      assert.deepEqual(views(sent[3]), [], 'no task of ours on it: the view goes');
    } finally {
      stream.stop();
    }
  });

  it("a node whose task on the network stopped gets the network's view no more; the task stays", async () => {
    await addTask(store, 'a', 'n1', { NetworksAttachments: on('10.0.1.3'), Status: { State: 'running' } });
    const set = () => store.view((tx) => assignmentSet(tx, 'n1'));
    assert.deepEqual(
      set().networks.map((v) => v.ID),
      [net.ID],
    );
    await editTask(store, 'a', (t) => (t.Status = { State: 'failed' }));
    assert.deepEqual(
      set().tasks.map((t) => t.ID),
      ['a'],
    );
    assert.deepEqual(set().networks, []);
  });
});
