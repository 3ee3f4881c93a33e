/**
 * RaftNode in one process: three members over loopback TCP with WALs in temp folders.
 * Proposals from leader and follower, read barriers, a membership change, metrics, stop.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { ConfChangeType, NotLeaderError, RaftNode, StoppedError } from '../../../src/raft';
import { Log } from './log-machine';
import { freePort } from '../../support/free-port';

async function until<T>(f: () => T | undefined, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('raft: RaftNode driver', function () {
  this.timeout(30000);
  let dir: string;
  const nodes: RaftNode[] = [];
  const sms: Log[] = [];
  let peers: Map<number, string>;
  const registry = new Registry();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-node-'));
    peers = new Map([1, 2, 3].map((id) => [id, '']));
    for (const id of peers.keys()) peers.set(id, `127.0.0.1:${await freePort()}`);
    for (const id of [1, 2, 3]) {
      const sm = new Log();
      sms.push(sm);
      const n = new RaftNode({
        id,
        dataDir: path.join(dir, `n${id}`),
        listen: peers.get(id)!,
        peers,
        stateMachine: sm,
        tickMs: 10,
        electionTicks: 20,
        heartbeatTicks: 2,
        snapshotEntries: 50,
        registry: id === 1 ? registry : undefined,
        storage: { segmentBytes: 1 << 20 },
      });
      nodes.push(n);
      await n.start();
    }
  });

  after(async () => {
    for (const n of nodes) await n.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('elects a leader and applies proposals from any member on every member', async () => {
    const leader = await until(() => nodes.find((n) => n.isLeader()));
    const follower = nodes.find((n) => n !== leader)!;
    // A follower learns who leads from the leader's first message, which may come after the
    // leader has counted its votes.
    await until(() => follower.leaderId() === leader.leaderId());
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 ? leader : follower).propose(Buffer.from(`cmd${i}`))),
    );
    assert.equal(results.length, 120);
    await until(() => sms.every((s) => s.items.length === 120));
    assert.deepEqual(sms[1].items, sms[0].items);
    assert.deepEqual(new Set(sms[0].items).size, 120);
  });

  it('serves a read barrier on a follower after the writes before it', async () => {
    const leader = nodes.find((n) => n.isLeader())!;
    const follower = nodes.find((n) => !n.isLeader())!;
    await leader.propose(Buffer.from('before-read'));
    await follower.readBarrier();
    const sm = sms[nodes.indexOf(follower)];
    assert.equal(sm.items[sm.items.length - 1], 'before-read');
  });

  it('applies a membership change (adds a learner)', async () => {
    const leader = nodes.find((n) => n.isLeader())!;
    const cs = await leader.proposeConfChange({
      type: ConfChangeType.AddLearner,
      nodeId: 4,
      context: Buffer.from('127.0.0.1:1'),
    });
    assert.deepEqual([...cs.learners], [4]);
    const back = await leader.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 4 });
    assert.deepEqual([...back.learners], []);
  });

  it('lets a node that does not bootstrap join through a membership change and catch up by snapshot', async () => {
    const leader = nodes.find((n) => n.isLeader())!;
    const addr = `127.0.0.1:${await freePort()}`;
    const sm = new Log();
    const joiner = new RaftNode({
      id: 5,
      dataDir: path.join(dir, 'n5'),
      listen: addr,
      // Routes to the members it will hear from; with bootstrap false they are not its configuration.
      peers: new Map([...peers, [5, addr]]),
      bootstrap: false,
      stateMachine: sm,
      tickMs: 10,
      electionTicks: 20,
      heartbeatTicks: 2,
    });
    await joiner.start();
    try {
      // Alone and without a configuration it must not elect itself.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(joiner.isLeader(), false);
      assert.deepEqual([...joiner.confState().voters], []);
      const cs = await leader.proposeConfChange({
        type: ConfChangeType.AddVoter,
        nodeId: 5,
        context: Buffer.from(addr),
      });
      assert.ok(cs.voters.includes(5));
      await leader.propose(Buffer.from('after-join'));
      await until(() => sm.items.includes('after-join'));
      assert.deepEqual(sm.items, sms[nodes.indexOf(leader)].items);
      assert.ok(joiner.confState().voters.includes(5));
      const back = await leader.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 5 });
      assert.ok(!back.voters.includes(5));
    } finally {
      await joiner.stop();
    }
  });

  it('exposes metrics on the given registry', async () => {
    const text = await registry.metrics();
    for (const name of [
      'raft_term',
      'raft_commit_index',
      'raft_applied_index',
      'raft_proposals_total',
      'raft_wal_fsync_duration_seconds_count',
      'raft_messages_sent_total',
      'raft_snapshots_total',
    ]) {
      assert.ok(text.includes(name), name);
    }
    assert.match(text, /raft_snapshots_total\{kind="created"\} [1-9]/);
  });

  it('refuses proposals without a leader and after stop', async () => {
    const lone = new RaftNode({
      id: 9,
      dataDir: path.join(dir, 'lone'),
      listen: `127.0.0.1:${await freePort()}`,
      peers: new Map([
        [9, '127.0.0.1:1'],
        [8, '127.0.0.1:2'],
      ]),
      stateMachine: new Log(),
      tickMs: 10,
    });
    await lone.start();
    await assert.rejects(lone.propose(Buffer.from('x')), NotLeaderError);
    await lone.stop();
    await lone.stop();
    await assert.rejects(lone.propose(Buffer.from('x')), StoppedError);
  });
});
