import { strict as assert } from 'node:assert';
import {
  AmbiguousReferenceError,
  BatchTooLargeError,
  InvalidObjectError,
  MemoryStore,
  NameConflictError,
  ObjectExistsError,
  ObjectNotFoundError,
  SequenceConflictError,
  UniqueKeyConflictError,
  type Proposer,
} from '../../../src/store';
import { network, node, secret, service, steppingClock, task } from './fixtures';

describe('store: MemoryStore writes', () => {
  it('creates objects stamped with the batch index and the proposer-chosen time', async () => {
    const s = new MemoryStore({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
    const id = await s.update((tx) => tx.create('service', service('web')).ID);
    assert.equal(id.length, 25);
    const svc = s.view((tx) => tx.get('service', id))!;
    assert.deepEqual(svc.Version, { Index: 1 });
    assert.equal(svc.CreatedAt, '2026-01-02T03:04:05.678Z');
    assert.equal(svc.UpdatedAt, svc.CreatedAt);
    assert.deepEqual(Object.keys(svc).slice(0, 5), ['ID', 'Version', 'CreatedAt', 'UpdatedAt', 'Spec']);
    assert.ok(Object.isFrozen(svc) && Object.isFrozen(svc.Spec.TaskTemplate));
    assert.equal(s.index, 1);
  });

  it('an update bumps Version.Index and UpdatedAt, keeps CreatedAt', async () => {
    const s = new MemoryStore({ now: steppingClock() });
    await s.update((tx) => tx.create('service', service('web', { ID: 'svc1' })));
    const v1 = s.view((tx) => tx.get('service', 'svc1'))!;
    const next = structuredClone(v1);
    next.Spec.Mode = { Replicated: { Replicas: 3 } };
    await s.update((tx) => tx.update('service', next));
    const v2 = s.view((tx) => tx.get('service', 'svc1'))!;
    assert.equal(v2.Version.Index, 2);
    assert.equal(v2.CreatedAt, v1.CreatedAt);
    assert.ok(v2.UpdatedAt > v1.UpdatedAt);
    assert.deepEqual(v2.Spec.Mode, { Replicated: { Replicas: 3 } });
  });

  it('two updates from the same base: the first wins, the second gets 409 update out of sequence', async () => {
    const s = new MemoryStore();
    await s.update((tx) => tx.create('service', service('web', { ID: 'svc1' })));
    const base = s.view((tx) => tx.get('service', 'svc1'))!;
    const a = structuredClone(base);
    a.Spec.Labels = { by: 'a' };
    const b = structuredClone(base);
    b.Spec.Labels = { by: 'b' };
    const results = await Promise.allSettled([
      s.update((tx) => tx.update('service', a)),
      s.update((tx) => tx.update('service', b)),
    ]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    const err = (results[1] as PromiseRejectedResult).reason;
    assert.ok(err instanceof SequenceConflictError);
    assert.equal(err.httpStatus, 409);
    assert.equal(err.message, 'update out of sequence');
    assert.deepEqual(s.view((tx) => tx.get('service', 'svc1'))!.Spec.Labels, { by: 'a' });
  });

  it('the version check runs at apply time, against what committed in between', async () => {
    // A proposer that holds proposals so two transactions are built from the same state.
    const held: { data: Buffer; resolve: (v: unknown) => void }[] = [];
    let idx = 0;
    const p: Proposer = { propose: (data) => new Promise((resolve) => held.push({ data, resolve })) };
    const s = new MemoryStore({ proposer: p });
    const commit = () => {
      const h = held.shift()!;
      h.resolve(s.apply(++idx, h.data));
    };
    const c = s.update((tx) => tx.create('network', network('n1')));
    commit();
    await c;
    const id = s.view((tx) => tx.find('network')[0].ID);
    const base = s.view((tx) => tx.get('network', id))!;
    const u1 = s.update((tx) => tx.update('network', { ...base, Spec: { ...base.Spec, Labels: { a: '1' } } }));
    const u2 = s.update((tx) => tx.delete('network', id, base.Version.Index));
    assert.equal(held.length, 2);
    commit();
    commit();
    await u1;
    await assert.rejects(u2, SequenceConflictError);
    assert.ok(s.view((tx) => tx.get('network', id)));
  });

  it('names are unique per kind where Docker requires it, case-insensitively', async () => {
    const s = new MemoryStore();
    await s.update((tx) => {
      tx.create('service', service('web'));
      tx.create('network', network('web'));
      tx.create('secret', secret('web', 'x'));
      tx.create('node', node('host-a'));
      tx.create('node', node('host-a'));
    });
    const err = await s.update((tx) => tx.create('service', service('WEB'))).catch((e) => e);
    assert.ok(err instanceof NameConflictError);
    assert.equal(err.httpStatus, 409);
    assert.equal(err.message, 'name conflicts with an existing object');
    await assert.rejects(
      s.update((tx) => tx.create('network', network('web'))),
      NameConflictError,
    );
    // renaming onto a taken name conflicts too
    await s.update((tx) => tx.create('service', service('api', { ID: 'api1' })));
    const api = s.view((tx) => tx.get('service', 'api1'))!;
    await assert.rejects(
      s.update((tx) => tx.update('service', { ...api, Spec: { ...api.Spec, Name: 'Web' } })),
      NameConflictError,
    );
    assert.equal(s.view((tx) => tx.find('node', { name: 'host-a' })).length, 2);
  });

  it('name and ID conflicts are also decided at apply time (two creates in flight)', async () => {
    const held: Buffer[] = [];
    const s = new MemoryStore({ proposer: { propose: async (d) => (held.push(d), new Promise(() => {})) } });
    void s.update((tx) => tx.create('config', { ID: 'c1', Spec: { Name: 'cfg', Data: '' } }));
    void s.update((tx) => tx.create('config', { ID: 'c2', Spec: { Name: 'CFG', Data: '' } }));
    void s.update((tx) => tx.create('config', { ID: 'c1', Spec: { Name: 'other', Data: '' } }));
    await new Promise((r) => setImmediate(r));
    assert.equal(held.length, 3);
    assert.equal(s.apply(1, held[0]).error, undefined);
    assert.ok(s.apply(2, held[1]).error instanceof NameConflictError);
    assert.ok(s.apply(3, held[2]).error instanceof ObjectExistsError);
    assert.equal(s.index, 3);
    assert.deepEqual(
      s.view((tx) => tx.find('config').map((c) => c.ID)),
      ['c1'],
    );
  });

  it("keys a kind keeps unique are decided at apply time, against the tables and the batch's own objects", async () => {
    const held: Buffer[] = [];
    const s = new MemoryStore({
      proposer: { propose: async (d) => (held.push(d), new Promise(() => {})) },
      uniqueKeys: { network: (n) => ({ claims: n.Spec.Labels?.pool ? [`pool ${n.Spec.Labels.pool}`] : [] }) },
    });
    const net = (name: string, pool?: string) => {
      const n = network(name);
      if (pool) n.Spec.Labels = { pool };
      return n;
    };
    void s.update((tx) => tx.create('network', net('a', '10.0.1.0/24')));
    void s.update((tx) => tx.create('network', net('b', '10.0.1.0/24')));
    void s.update((tx) => {
      tx.create('network', net('c', '10.0.2.0/24'));
      tx.create('network', net('d', '10.0.2.0/24'));
    });
    void s.update((tx) => tx.create('network', net('e')));
    void s.update((tx) => tx.create('network', net('f')));
    await new Promise((r) => setImmediate(r));
    assert.equal(s.apply(1, held[0]).error, undefined);
    const clash = s.apply(2, held[1]).error;
    assert.ok(clash instanceof UniqueKeyConflictError);
    assert.equal(clash.key, 'pool 10.0.1.0/24');
    assert.equal(clash.httpStatus, 409);
    assert.ok(s.apply(3, held[2]).error instanceof UniqueKeyConflictError);
    assert.equal(s.apply(4, held[3]).error, undefined); // no key: nothing to share
    assert.equal(s.apply(5, held[4]).error, undefined);
    assert.deepEqual(s.view((tx) => tx.find('network').map((n) => n.Spec.Name)).sort(), ['a', 'e', 'f']);
    // An update may keep a key it has, not take one another object has.
    const [a, e] = ['a', 'e'].map((n) => s.view((tx) => tx.find('network', { name: n })[0]));
    void s.update((tx) => tx.update('network', { ...a, Spec: { ...a.Spec, Name: 'a2' } }));
    void s.update((tx) => tx.update('network', { ...e, Spec: { ...e.Spec, Labels: { pool: '10.0.1.0/24' } } }));
    await new Promise((r) => setImmediate(r));
    assert.equal(s.apply(6, held[5]).error, undefined);
    assert.ok(s.apply(7, held[6]).error instanceof UniqueKeyConflictError);
  });

  it('keeps claims from clashing with claims or covers, and lets covers be shared', async () => {
    // A network claims its pool and covers the pools around it (as subnets do).
    const held: Buffer[] = [];
    const s = new MemoryStore({
      proposer: { propose: async (d) => (held.push(d), new Promise(() => {})) },
      uniqueKeys: {
        network: (n) => ({
          claims: [n.Spec.Labels!.pool],
          covers: (n.Spec.Labels!.around ?? '').split(',').filter(Boolean),
        }),
      },
    });
    const net = (name: string, pool: string, around = '') => {
      const n = network(name);
      n.Spec.Labels = { pool, around };
      return n;
    };
    // All five are written from the same empty view; only their applies see each other.
    void s.update((tx) => tx.create('network', net('inner1', 'a/24', 'a/16')));
    void s.update((tx) => tx.create('network', net('inner2', 'b/24', 'a/16')));
    void s.update((tx) => tx.create('network', net('outer', 'a/16')));
    void s.update((tx) => tx.create('network', net('big', 'c/16')));
    void s.update((tx) => tx.create('network', net('small', 'c1/24', 'c/16')));
    await new Promise((r) => setImmediate(r));
    assert.equal(s.apply(1, held[0]).error, undefined);
    assert.equal(s.apply(2, held[1]).error, undefined, 'two covers of a/16 are no clash');
    const around = s.apply(3, held[2]).error;
    assert.ok(around instanceof UniqueKeyConflictError && around.key === 'a/16', 'a claim another covers');
    assert.equal(s.apply(4, held[3]).error, undefined);
    const inside = s.apply(5, held[4]).error;
    assert.ok(inside instanceof UniqueKeyConflictError && inside.key === 'c/16', 'a cover another claims');
    assert.deepEqual(s.view((tx) => tx.find('network').map((n) => n.Spec.Name)).sort(), ['big', 'inner1', 'inner2']);
  });

  it('deleting or updating a missing object is a 404', async () => {
    const s = new MemoryStore();
    const err = await s.update((tx) => tx.delete('task', 'nope')).catch((e) => e);
    assert.ok(err instanceof ObjectNotFoundError);
    assert.equal(err.httpStatus, 404);
    await assert.rejects(
      s.update((tx) =>
        tx.update('task', { ...task('s', 1), ID: 'nope', Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '' }),
      ),
      ObjectNotFoundError,
    );
  });

  it('a batch is atomic: one failing mutation leaves nothing of it', async () => {
    const held: { data: Buffer; resolve: (v: unknown) => void }[] = [];
    const s = new MemoryStore({
      proposer: { propose: (data) => new Promise((resolve) => held.push({ data, resolve })) },
    });
    const commit = () => {
      const h = held.shift()!;
      h.resolve(s.apply(s.index + 1, h.data));
    };
    const c = s.update((tx) => tx.create('service', service('web', { ID: 'svc1' })));
    commit();
    await c;
    const base = s.view((tx) => tx.get('service', 'svc1'))!;
    const u1 = s.update((tx) => tx.update('service', { ...base, Spec: { ...base.Spec, Labels: { v: '1' } } }));
    // built from the same base: its own checks pass, apply refuses its last mutation
    const u2 = s.update((tx) => {
      for (let i = 0; i < 5; i++) tx.create('task', task('svc1', i));
      tx.create('network', network('n'));
      tx.update('service', structuredClone(base));
    });
    commit();
    await u1;
    const kinds = () => JSON.parse(Buffer.from(s.snapshot()).toString()).kinds;
    const before = kinds();
    commit();
    await assert.rejects(u2, SequenceConflictError);
    assert.deepEqual(kinds(), before);
    assert.equal(s.index, 3);
    assert.equal(
      s.view((tx) => tx.find('task').length + tx.find('network').length),
      0,
    );
  });

  it('a transaction reads its own writes, and create+update+delete in one batch settle in order', async () => {
    const s = new MemoryStore();
    const out = await s.update((tx) => {
      const a = tx.create('service', service('a', { ID: 'a' }));
      const b = tx.create('service', service('b', { ID: 'b' }));
      assert.equal(tx.lookup('service', 'a').ID, 'a');
      const a2 = tx.update('service', { ...a, Spec: { ...a.Spec, Labels: { x: '1' } } });
      tx.update('service', { ...a2, Spec: { ...a2.Spec, Labels: { x: '2' } } });
      tx.delete('service', b.ID);
      assert.equal(tx.get('service', 'b'), undefined);
      assert.deepEqual(
        tx.find('service', { labels: { x: '2' } }).map((x) => x.ID),
        ['a'],
      );
      return tx.find('service').length;
    });
    assert.equal(out, 1);
    const a = s.view((tx) => tx.get('service', 'a'))!;
    assert.deepEqual(a.Spec.Labels, { x: '2' });
    assert.equal(a.Version.Index, 1);
    assert.equal(
      s.view((tx) => tx.get('service', 'b')),
      undefined,
    );
  });

  it('a callback that throws proposes nothing', async () => {
    let proposed = 0;
    const s = new MemoryStore({ proposer: { propose: async () => proposed++ } });
    await assert.rejects(
      s.update((tx) => {
        tx.create('service', service('web'));
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    assert.equal(await s.update(() => 42), 42);
    assert.equal(proposed, 0);
  });

  it('refuses an oversized batch before proposing, with a typed error', async () => {
    let proposed = 0;
    const s = new MemoryStore({ maxBatchBytes: 4096, proposer: { propose: async () => proposed++ } });
    const err = await s.update((tx) => tx.create('secret', secret('big', 'x'.repeat(5000)))).catch((e) => e);
    assert.ok(err instanceof BatchTooLargeError);
    assert.equal(err.code, 'TSW_STORE_BATCH_TOO_LARGE');
    assert.equal(err.limitBytes, 4096);
    assert.ok(err.bytes > 4096);
    assert.equal(proposed, 0);
    // the default is 1.5 MiB
    const d = new MemoryStore();
    await d.update((tx) => tx.create('secret', secret('ok', 'x'.repeat(1024 * 1024))));
    await assert.rejects(
      d.update((tx) => tx.create('secret', secret('big', 'x'.repeat(1200 * 1024)))),
      BatchTooLargeError,
    );
  });

  it('validates at the edge: kinds, IDs, Spec, versions, synchronous callbacks, stale views', async () => {
    const s = new MemoryStore();
    await assert.rejects(
      s.update((tx) => tx.create('bogus' as 'service', service('x'))),
      InvalidObjectError,
    );
    await assert.rejects(
      s.update((tx) => tx.create('service', { ...service('x'), ID: 'has space' })),
      InvalidObjectError,
    );
    await assert.rejects(
      s.update((tx) => tx.create('service', {} as never)),
      InvalidObjectError,
    );
    await s.update((tx) => tx.create('service', service('x', { ID: 'x' })));
    const x = s.view((tx) => tx.get('service', 'x'))!;
    await assert.rejects(
      s.update((tx) => tx.update('service', { ...x, Version: undefined as never })),
      InvalidObjectError,
    );
    await assert.rejects(
      s.update(async () => 1),
      InvalidObjectError,
    );
    let kept: { get: (k: 'service', id: string) => unknown } | undefined;
    s.view((tx) => (kept = tx));
    assert.throws(() => kept!.get('service', 'x'), InvalidObjectError);
    await assert.rejects(
      s.update((tx) => tx.create('service', service('y', { ID: 'x' }))),
      ObjectExistsError,
    );
  });

  it('replicas applying the same entries end identical, whatever their own clocks', async () => {
    const replicas = [new MemoryStore({ now: () => 1 }), new MemoryStore({ now: () => 2 })];
    let idx = 10;
    const leader: MemoryStore = new MemoryStore({
      now: steppingClock(),
      proposer: {
        propose: async (d): Promise<unknown> => {
          idx += 3; // raft indexes have gaps (empty and membership entries)
          for (const r of replicas) r.apply(idx, d);
          return leader.apply(idx, d);
        },
      },
    });
    await leader.update((tx) => tx.create('node', node('h1')));
    const sid = await leader.update((tx) => tx.create('service', service('web')).ID);
    await leader.update((tx) => {
      for (let i = 1; i <= 3; i++) tx.create('task', task(sid, i));
    });
    await leader.update((tx) => tx.create('service', service('web'))).catch(() => {});
    const snap = Buffer.from(leader.snapshot()).toString();
    for (const r of replicas) assert.equal(Buffer.from(r.snapshot()).toString(), snap);
    assert.equal(leader.view((tx) => tx.get('service', sid))!.Version.Index, 16);
    assert.equal(leader.index, 19); // the duplicate name was refused before proposing
  });
});

describe('store: lookups', () => {
  let s: MemoryStore;
  before(async () => {
    s = new MemoryStore();
    await s.update((tx) => {
      tx.create('service', service('web', { ID: 'abc111' }));
      tx.create('service', service('api', { ID: 'abc222' }));
      tx.create('service', service('abc', { ID: 'zzz333' }));
      tx.create('node', node('host-a'));
      tx.create('node', node('host-a'));
      tx.create('task', task('abc111', 1, 'n1'));
    });
  });

  it('finds by full ID, then exact name, then unique ID prefix', () => {
    s.view((tx) => {
      assert.equal(tx.lookup('service', 'abc111').Spec.Name, 'web');
      assert.equal(tx.lookup('service', 'WEB').ID, 'abc111');
      assert.equal(tx.lookup('service', 'abc').ID, 'zzz333'); // a name beats a prefix
      assert.equal(tx.lookup('service', 'abc2').ID, 'abc222');
    });
  });

  it('an ambiguous prefix or name is a typed 400 with Docker message', () => {
    s.view((tx) => {
      assert.throws(
        () => tx.lookup('service', 'ab'),
        (e: unknown) =>
          e instanceof AmbiguousReferenceError &&
          e.message === 'service ab is ambiguous (2 matches found)' &&
          e.httpStatus === 400,
      );
      assert.throws(() => tx.lookup('node', 'host-a'), /node host-a is ambiguous \(2 matches found\)/);
    });
  });

  it('no match is a 404 with Docker message', () => {
    s.view((tx) => {
      assert.throws(
        () => tx.lookup('service', 'nope'),
        (e: unknown) => e instanceof ObjectNotFoundError && e.message === 'service nope not found',
      );
      assert.throws(() => tx.lookup('secret', ''), ObjectNotFoundError);
    });
  });

  it('finds tasks by service and node', () => {
    s.view((tx) => {
      assert.equal(tx.find('task', { serviceId: 'abc111' }).length, 1);
      assert.equal(tx.find('task', { nodeId: 'n1', serviceId: 'abc111' }).length, 1);
      assert.equal(tx.find('task', { nodeId: 'n2' }).length, 0);
      assert.equal(tx.find('service', { namePrefix: 'a' }).length, 2);
    });
  });
});
