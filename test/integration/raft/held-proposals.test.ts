/**
 * RaftNode with holdProposalsWithoutLeader: a proposal made while no leader is known waits for
 * the election instead of failing, and still ends at its timeout when none comes.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RaftNode, TimeoutError } from '../../../src/raft';
import { Log } from './log-machine';
import { freePort } from '../../support/free-port';

describe('raft: RaftNode holding proposals without a leader', function () {
  this.timeout(20000);
  let dir: string;
  const nodes: RaftNode[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-held-'));
  });

  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function cluster(ids: number[], members: number[]): Promise<RaftNode[]> {
    const peers = new Map<number, string>();
    for (const id of members) peers.set(id, `127.0.0.1:${await freePort()}`);
    for (const id of ids) {
      const n = new RaftNode({
        id,
        dataDir: path.join(dir, `n${id}`),
        listen: peers.get(id)!,
        peers,
        stateMachine: new Log(),
        tickMs: 10,
        electionTicks: 20,
        heartbeatTicks: 2,
        holdProposalsWithoutLeader: true,
      });
      nodes.push(n);
      await n.start();
    }
    return nodes;
  }

  it('commits proposals made on every member before the first election', async () => {
    const ns = await cluster([1, 2, 3], [1, 2, 3]);
    assert.ok(ns.every((n) => n.leaderId() === 0));
    const results = await Promise.all(ns.map((n, i) => n.propose(Buffer.from(`before-${i}`), 5000)));
    assert.deepEqual([...results].sort(), [1, 2, 3]);
  });

  it('ends a held proposal at its timeout when no leader is elected', async () => {
    const [lone] = await cluster([1], [1, 2]);
    await assert.rejects(lone.propose(Buffer.from('x'), 300), TimeoutError);
  });
});
