/**
 * RaftNode with holdProposalsWithoutLeader: a proposal made while no leader is known waits for
 * the election instead of failing, and still ends at its timeout when none comes.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { RaftNode, TimeoutError, type StateMachine } from '../../../src/raft';

class Log implements StateMachine {
  items: string[] = [];
  apply(e: { data: Buffer }): number {
    this.items.push(e.data.toString());
    return this.items.length;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.items));
  }
  restore(data: Uint8Array): void {
    this.items = JSON.parse(Buffer.from(data).toString());
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

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
