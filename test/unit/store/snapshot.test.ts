import { strict as assert } from 'node:assert';
import { CorruptDataError, MemoryStore, type StoreEvent } from '../../../src/store';
import { network, node, secret, service, steppingClock, task } from './fixtures';

async function populated(): Promise<MemoryStore> {
  const s = new MemoryStore({ now: steppingClock() });
  await s.update((tx) => {
    tx.create('cluster', { ID: 'cluster1', Spec: { Name: 'default', Labels: {} } });
    tx.create('node', node('host-a', { zone: 'a' }));
    tx.create('network', network('app'));
    tx.create('secret', secret('pw', 'hunter2'));
    tx.create('config', { Spec: { Name: 'cfg', Data: Buffer.from('x=1').toString('base64') } });
  });
  const sid = await s.update((tx) => tx.create('service', service('web')).ID);
  await s.update((tx) => {
    for (let i = 1; i <= 10; i++) tx.create('task', { ...task(sid, i, 'n1', { slot: String(i) }), ID: `t${i}` });
  });
  await s.update((tx) => tx.delete('task', 't3'));
  return s;
}

describe('store: snapshot and restore', () => {
  it('restore of a snapshot yields an identical store (objects, indexes, order, bytes)', async () => {
    const a = await populated();
    const snap = a.snapshot();
    const b = new MemoryStore();
    b.restore(snap, a.index);
    assert.equal(b.index, a.index);
    assert.deepEqual(Buffer.from(b.snapshot()), Buffer.from(snap));
    const q = (s: MemoryStore) =>
      s.view((tx) => ({
        all: ['cluster', 'node', 'service', 'task', 'network', 'secret', 'config'].map((k) => tx.find(k as 'task')),
        bySvc: tx.find('task', { serviceId: tx.lookup('service', 'web').ID }).map((t) => t.ID),
        byNode: tx.find('task', { nodeId: 'n1', labels: { slot: '7' } }).map((t) => t.ID),
        byName: tx.lookup('network', 'APP').ID,
        byPrefix: tx.find('task', { idPrefix: 't1' }).map((t) => t.ID),
        nodeLabel: tx.find('node', { labels: { zone: null } }).length,
      }));
    assert.deepEqual(q(b), q(a));
    assert.deepEqual(q(b).byPrefix.sort(), ['t1', 't10']);
    // the restored store goes on like the original
    await a.update((tx) => tx.create('network', network('more')));
    await b.update((tx) => tx.create('network', network('more')));
    assert.equal(b.view((tx) => tx.lookup('network', 'more')).Version.Index, a.index);
  });

  it('a corrupt snapshot throws and leaves the store as it was; no event leaks out of restore', async () => {
    const a = await populated();
    const before = Buffer.from(a.snapshot()).toString();
    const w = a.watch();
    const bad = [
      Buffer.from('not json'),
      Buffer.from('{"v":2,"index":1,"kinds":{}}'),
      Buffer.from(
        JSON.stringify({
          v: 1,
          index: 1,
          kinds: {
            task: [
              { ID: 'x', Version: { Index: 1 } },
              { ID: 'x', Version: { Index: 1 } },
            ],
          },
        }),
      ),
      Buffer.from(JSON.stringify({ v: 1, index: 1, kinds: { node: [{ Version: { Index: 1 } }] } })),
    ];
    for (const d of bad) assert.throws(() => a.restore(d, 99), CorruptDataError);
    assert.equal(Buffer.from(a.snapshot()).toString(), before);
    assert.equal(w.pending, 0);
    assert.ok(!w.closed);
    // a good restore swaps everything at once: the watcher is reset, never fed per-object events
    const empty = new MemoryStore().snapshot();
    const got: Promise<IteratorResult<StoreEvent>> = w.next();
    a.restore(empty, 200);
    await assert.rejects(got, /restored from a snapshot/);
    assert.equal(
      a.view((tx) => tx.find('task').length),
      0,
    );
    assert.equal(a.index, 200);
  });
});
