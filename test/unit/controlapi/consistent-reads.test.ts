import assert from 'node:assert/strict';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { toTsswarmError } from '../../../src/api';
import { consistentReads } from '../../../manager/controlapi/consistent-reads';
import type { SwarmControl } from '../../../manager/controlapi/swarm-control';
import type { Manager } from '../../../manager/manager';
import { NoLeaderError, WorkerNodeError } from '../../../manager/errors';

describe('controlapi: swarm reads wait for the follower to catch up', () => {
  let server: Server;
  let base = '';
  let role: 'manager' | 'worker' = 'manager';
  let leader = true;
  const syncs: string[] = [];

  before(async () => {
    const m = {
      syncForRead: async () => {
        syncs.push('sync');
        if (!leader) throw new NoLeaderError();
      },
    } as unknown as Manager;
    const sc = {
      manager: () => {
        if (role === 'worker') throw new WorkerNodeError();
        return m;
      },
    } as unknown as SwarmControl;
    const app = express();
    app.use(consistentReads(sc));
    app.use((req, res) => res.json({ served: `${req.method} ${req.path}` }));
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const e = toTsswarmError(err);
      res.status(e.httpStatus).json({ message: e.message });
    });
    await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    syncs.length = 0;
    role = 'manager';
    leader = true;
  });

  const call = async (method: string, p: string) => {
    const r = await fetch(base + p, { method });
    return { status: r.status, body: (await r.json()) as { served?: string; message?: string } };
  };

  it('syncs before GETs of swarm objects, not before writes or engine routes', async () => {
    for (const p of ['/nodes', '/services/web', '/tasks?filters=x', '/swarm', '/secrets', '/configs/c', '/networks'])
      assert.equal((await call('GET', p)).status, 200, p);
    assert.equal(syncs.length, 7);
    await call('POST', '/services/create');
    await call('GET', '/containers/json');
    await call('GET', '/info');
    assert.equal(syncs.length, 7);
  });

  it('without a leader: 503 for swarm objects, local networks still answer; a worker passes through', async () => {
    leader = false;
    const r = await call('GET', '/nodes');
    assert.equal(r.status, 503);
    assert.match(r.body.message!, /The swarm does not have a leader/);
    assert.deepEqual(await call('GET', '/networks/bridge'), { status: 200, body: { served: 'GET /networks/bridge' } });
    role = 'worker';
    syncs.length = 0;
    assert.equal((await call('GET', '/nodes')).status, 200);
    assert.equal(syncs.length, 0);
  });
});
