import { strict as assert } from 'node:assert';
import {
  MemoryStore,
  WatchOverflowError,
  WatchResetError,
  type ObjectEvent,
  type StoreEvent,
} from '../../../src/store';
import { network, service, task } from './fixtures';

async function take(it: AsyncIterator<StoreEvent>, n: number): Promise<StoreEvent[]> {
  const out: StoreEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

const brief = (e: StoreEvent) =>
  e.kind === 'commit' ? `commit@${e.index}` : `${e.action} ${e.kind} ${e.object.ID}@${e.index}`;

describe('store: watch', () => {
  it('delivers events in commit order with a commit marker per batch', async () => {
    const s = new MemoryStore();
    const w = s.watch();
    await s.update((tx) => {
      tx.create('service', service('web', { ID: 's1' }));
      tx.create('task', { ...task('s1', 1), ID: 't1' });
    });
    const svc = s.view((tx) => tx.get('service', 's1'))!;
    await s.update((tx) => tx.update('service', { ...svc, Spec: { ...svc.Spec, Labels: { a: 'b' } } }));
    await s.update((tx) => tx.delete('task', 't1'));
    const evs = await take(w, 7);
    assert.deepEqual(evs.map(brief), [
      'create service s1@1',
      'create task t1@1',
      'commit@1',
      'update service s1@2',
      'commit@2',
      'delete task t1@3',
      'commit@3',
    ]);
    const upd = evs[3];
    assert.ok(upd.kind === 'service' && upd.oldObject);
    assert.deepEqual(upd.oldObject.Spec.Labels, {});
    assert.deepEqual(upd.object.Spec.Labels, { a: 'b' });
    assert.deepEqual(evs[6], { kind: 'commit', action: 'commit', index: 3, changes: 1 });
    w.close();
    w.close();
    assert.deepEqual(await w.next(), { value: undefined, done: true });
  });

  it('filters by kind and action; batches with nothing for a watcher send it no commit', async () => {
    const s = new MemoryStore();
    const w = s.watch({ kinds: ['task'], actions: ['create'] });
    await s.update((tx) => tx.create('network', network('n')));
    await s.update((tx) => tx.create('task', { ...task('s', 1), ID: 't1' }));
    await s.update((tx) => tx.delete('task', 't1'));
    await s.update((tx) => tx.create('task', { ...task('s', 2), ID: 't2' }));
    assert.deepEqual((await take(w, 4)).map(brief), ['create task t1@2', 'commit@2', 'create task t2@4', 'commit@4']);
    const noCommits = s.watch({ commits: false, where: (e) => e.object.ID === 'x' });
    await s.update((tx) => {
      tx.create('network', { ...network('m'), ID: 'x' });
      tx.create('network', { ...network('o'), ID: 'y' });
    });
    assert.deepEqual((await take(noCommits, 1)).map(brief), ['create network x@5']);
    assert.equal(noCommits.pending, 0);
  });

  it('wakes a consumer already waiting, and works with for await', async () => {
    const s = new MemoryStore();
    const ac = new AbortController();
    const seen: string[] = [];
    const loop = (async () => {
      for await (const e of s.watch({}, ac.signal)) {
        seen.push(brief(e));
        if (e.kind === 'commit' && e.index === 2) ac.abort();
      }
    })();
    await new Promise((r) => setImmediate(r));
    await s.update((tx) => tx.create('network', { ...network('a'), ID: 'a' }));
    await s.update((tx) => tx.create('network', { ...network('b'), ID: 'b' }));
    await loop;
    assert.deepEqual(seen, ['create network a@1', 'commit@1', 'create network b@2', 'commit@2']);
  });

  it('viewAndWatch: the view and the events after it, no gap and no duplicate, under concurrent writes', async () => {
    const s = new MemoryStore();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) writes.push(s.update((tx) => tx.create('task', { ...task('s', i), ID: `t${i}` })));
    // start in the middle of the stream of writes
    await writes[9];
    const { result, index, watcher } = s.viewAndWatch((tx) => tx.find('task').map((t) => t.ID));
    for (let i = 20; i < 30; i++) writes.push(s.update((tx) => tx.create('task', { ...task('s', i), ID: `t${i}` })));
    await Promise.all(writes);
    const evs = (await take(watcher, 2 * (30 - result.length))).filter((e): e is ObjectEvent => e.kind !== 'commit');
    const ids = [...result, ...evs.map((e) => e.object.ID)];
    assert.equal(new Set(ids).size, 30);
    assert.deepEqual(ids.sort(), Array.from({ length: 30 }, (_, i) => `t${i}`).sort());
    assert.equal(index, result.length);
    assert.ok(evs.every((e) => e.index > index));
    assert.equal(watcher.pending, 0);
  });

  it('a slow consumer never blocks apply: overflowing its bound closes it with WatchOverflowError', async () => {
    const s = new MemoryStore({ watchQueueLimit: 5 });
    const slow = s.watch();
    const other = s.watch({ queueLimit: 100 });
    for (let i = 0; i < 4; i++) await s.update((tx) => tx.create('network', { ...network(`n${i}`), ID: `n${i}` }));
    assert.equal(s.index, 4); // every write applied though nobody read
    assert.ok(slow.closed);
    const err = await slow.next().catch((e) => e);
    assert.ok(err instanceof WatchOverflowError);
    assert.equal(err.code, 'TSW_STORE_WATCH_OVERFLOW');
    assert.deepEqual(await slow.next(), { value: undefined, done: true });
    assert.equal(other.pending, 8);
    assert.equal((await take(other, 8)).length, 8);
  });

  it('restore closes watchers with WatchResetError; close ends them; an aborted signal starts closed', async () => {
    const s = new MemoryStore();
    await s.update((tx) => tx.create('network', network('n')));
    const w = s.watch();
    const pending = w.next();
    s.restore(s.snapshot(), 9);
    await assert.rejects(pending, WatchResetError);
    const ac = new AbortController();
    ac.abort();
    assert.ok(s.watch({}, ac.signal).closed);
    const w2 = s.watch();
    s.close();
    assert.deepEqual(await w2.next(), { value: undefined, done: true });
    assert.ok(s.watch().closed);
  });

  it('a filter that throws closes its watcher with the error and does not disturb apply', async () => {
    const s = new MemoryStore();
    const bad = s.watch({
      where: () => {
        throw new Error('filter bug');
      },
    });
    const good = s.watch();
    await s.update((tx) => tx.create('network', network('n')));
    await assert.rejects(bad.next(), /filter bug/);
    assert.equal(good.pending, 2);
    assert.equal(s.index, 1);
  });
});
