import assert from 'node:assert/strict';
import { ingressNetworkObject, TaskAllocator } from '../../../manager/allocator';
import { nodeIngressAddr } from '../../../manager/internal-fields';
import { MemoryStore } from '../../../src/store';
import { quiet, testAllocator } from '../services-wiring/fixtures';

const node = (ID: string) => ({
  ID,
  Spec: { Role: 'worker' as const, Availability: 'active' as const },
  Status: { State: 'ready' as const, Addr: '192.0.2.1' },
});

describe('TaskAllocator (node load-balancer addresses)', () => {
  let store: MemoryStore;
  let a: TaskAllocator;
  const addrOf = (id: string) => store.view((tx) => nodeIngressAddr(tx.get('node', id)!));

  beforeEach(() => {
    store = new MemoryStore();
    a = testAllocator(store);
  });

  afterEach(async () => {
    await a.stop();
    store.close();
  });

  it('gives each node an ingress address when the ingress network comes, and new nodes theirs', async () => {
    await store.update((tx) => tx.create('node', node('n1')));
    a.start();
    await a.settled();
    assert.equal(addrOf('n1'), undefined, 'no ingress network yet');
    await store.update((tx) => tx.create('network', ingressNetworkObject()));
    await a.settled();
    assert.equal(addrOf('n1'), '10.0.0.2/24');
    await store.update((tx) => tx.create('node', node('n2')));
    await a.settled();
    assert.equal(addrOf('n2'), '10.0.0.3/24');
    await store.update((tx) => {
      const n = tx.get('node', 'n2')!;
      tx.update('node', { ...structuredClone(n), Status: { State: 'down' } });
    });
    await a.settled();
    assert.equal(addrOf('n2'), '10.0.0.3/24', 'a status change keeps it');
  });

  it('a removed node gives its address back; a new leader keeps the addresses the store holds', async () => {
    await store.update((tx) => {
      tx.create('network', ingressNetworkObject());
      tx.create('node', node('n1'));
      tx.create('node', node('n2'));
    });
    a.start();
    await a.settled();
    assert.deepEqual([addrOf('n1'), addrOf('n2')], ['10.0.0.2/24', '10.0.0.3/24']);
    await store.update((tx) => tx.delete('node', 'n1'));
    await a.settled();
    await store.update((tx) => tx.create('node', node('n3')));
    await a.settled();
    assert.equal(addrOf('n3'), '10.0.0.2/24', 'the freed address is reused');

    await a.stop();
    a = new TaskAllocator({
      store,
      logger: quiet,
      clock: { now: () => 0, setTimer: () => 0, clearTimer() {} },
    });
    a.start();
    await a.settled();
    await store.update((tx) => tx.create('node', node('n4')));
    await a.settled();
    assert.equal(addrOf('n4'), '10.0.0.4/24', 'rebuilt from the store: n2 and n3 keep theirs');
  });
});
