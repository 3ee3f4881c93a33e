/**
 * Three MemoryStores driven by three real RaftNodes over loopback TCP, WALs in temp folders:
 * writes on the leader (and forwarded from a follower) are visible on followers after a read
 * barrier, conflicts come back to the writer that lost, and a follower restarted from its
 * WAL and snapshot recovers the same objects.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RaftNode } from '../../../src/raft';
import {
  MemoryStore,
  NameConflictError,
  RaftProposer,
  SequenceConflictError,
  StoreStateMachine,
} from '../../../src/store';
import { freePort } from '../../support/free-port';

async function until<T>(f: () => T | undefined | false, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Member {
  id: number;
  node: RaftNode;
  store: MemoryStore;
}

/** The objects of a store, without the index (a snapshot's index is raft's, not the last write's). */
const objects = (s: MemoryStore) => JSON.parse(Buffer.from(s.snapshot()).toString()).kinds;

describe('store over raft: three members on loopback', function () {
  this.timeout(60000);
  let dir: string;
  let peers: Map<number, string>;
  const members: Member[] = [];

  function member(id: number): Member {
    const store: MemoryStore = new MemoryStore({ proposer: new RaftProposer(() => node) });
    const node = new RaftNode({
      id,
      dataDir: path.join(dir, `n${id}`),
      listen: peers.get(id)!,
      peers,
      stateMachine: new StoreStateMachine(store),
      tickMs: 10,
      electionTicks: 20,
      heartbeatTicks: 2,
      snapshotEntries: 20,
      storage: { segmentBytes: 1 << 20 },
    });
    return { id, node, store };
  }

  const leader = () => members.find((m) => m.node.isLeader());

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-store-'));
    peers = new Map();
    for (const id of [1, 2, 3]) peers.set(id, `127.0.0.1:${await freePort()}`);
    for (const id of [1, 2, 3]) members.push(member(id));
    for (const m of members) await m.node.start();
    await until(leader);
  });

  after(async () => {
    for (const m of members) await m.node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes on the leader are visible on followers after a read barrier', async () => {
    const l = leader()!;
    const sid = await l.store.update((tx) => {
      tx.create('network', { ID: 'net1', Spec: { Name: 'app', Labels: {} } });
      return tx.create('service', { Spec: { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'busybox' } } } }).ID;
    });
    await l.store.update((tx) => {
      for (let i = 1; i <= 3; i++)
        tx.create('task', {
          ID: `${sid}.${i}`,
          Spec: {},
          ServiceID: sid,
          Slot: i,
          Status: { State: 'new' },
          DesiredState: 'running',
        });
    });
    for (const f of members.filter((m) => m !== l)) {
      await f.node.readBarrier();
      f.store.view((tx) => {
        assert.equal(tx.lookup('service', 'web').ID, sid);
        assert.equal(tx.find('task', { serviceId: sid }).length, 3);
        assert.equal(tx.get('network', 'net1')!.Version.Index, tx.get('service', sid)!.Version.Index);
      });
    }
    const svc = l.store.view((tx) => tx.get('service', sid))!;
    assert.ok(svc.Version.Index > 0);
    assert.deepEqual(objects(members[0].store), objects(l.store));
  });

  it('a follower writes through the leader; the loser of a race gets 409, on whichever member it wrote', async () => {
    const l = leader()!;
    const f = members.find((m) => m !== l)!;
    await f.store.update((tx) =>
      tx.create('secret', { ID: 'sec1', Spec: { Name: 'pw', Data: Buffer.from('x').toString('base64') } }),
    );
    await l.node.readBarrier();
    const base = l.store.view((tx) => tx.get('secret', 'sec1'))!;
    assert.ok(base);
    await f.node.readBarrier();
    const results = await Promise.allSettled([
      l.store.update((tx) => tx.update('secret', { ...base, Spec: { ...base.Spec, Labels: { by: 'leader' } } })),
      f.store.update((tx) => tx.update('secret', { ...base, Spec: { ...base.Spec, Labels: { by: 'follower' } } })),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled').length;
    const lost = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    assert.equal(won, 1);
    assert.equal(lost.length, 1);
    assert.ok(lost[0] instanceof SequenceConflictError, String(lost[0]));
    await assert.rejects(
      f.store.update((tx) => tx.create('secret', { Spec: { Name: 'PW', Data: '' } })),
      NameConflictError,
    );
    for (const m of members) await m.node.readBarrier();
    assert.deepEqual(objects(members[1].store), objects(l.store));
    assert.deepEqual(objects(members[2].store), objects(l.store));
  });

  it('a follower restarted from its WAL and snapshot recovers the same objects', async () => {
    const l = leader()!;
    const f = members.find((m) => m !== l)!;
    for (let i = 0; i < 30; i++)
      await l.store.update((tx) => tx.create('config', { ID: `cfg${i}`, Spec: { Name: `cfg${i}`, Data: '' } }));
    await f.node.readBarrier();
    await f.node.stop();
    // writes while it is down, so it must catch up after recovering
    for (let i = 0; i < 25; i++)
      await l.store.update((tx) => {
        const c = tx.get('config', `cfg${i}`)!;
        tx.update('config', { ...c, Spec: { ...c.Spec, Labels: { round: '2' } } });
        if (i % 5 === 0) tx.delete('config', `cfg${29 - i / 5}`);
      });
    const again = member(f.id);
    members[members.indexOf(f)] = again;
    await again.node.start();
    // start() restored the snapshot before joining: objects are there before any catch-up
    assert.ok(again.store.index > 0, 'restored from a snapshot');
    assert.ok(again.store.view((tx) => tx.find('config').length) > 0);
    await until(() => again.node.appliedIndex() >= l.node.appliedIndex());
    await again.node.readBarrier();
    assert.deepEqual(objects(again.store), objects(l.store));
    again.store.view((tx) => {
      assert.equal(tx.find('config', { labels: { round: '2' } }).length, 25);
      assert.equal(tx.get('config', 'cfg29'), undefined);
      assert.equal(tx.lookup('service', 'web').Spec.Name, 'web');
    });
  });
});
