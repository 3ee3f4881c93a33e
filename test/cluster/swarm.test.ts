import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NodeObject } from '../../src/api/swarm-types';
import { requireLab, startLab, type Lab } from '../support/lab';
import { runCommand } from '../../worker/network/run-command';

/**
 * A swarm across lab hosts (deploy/lab): h1 inits, h2 and h3 join as managers, h4 and h5 as
 * workers; h6 is a second, one-node swarm whose token h1's swarm must refuse. Default raft tick
 * and election timeout, so the failover figure is the one a person gets; a heartbeat period of
 * 1 s (grace 3 s) so that a dead node is marked down quickly.
 */

const PORT = 2377;
const SCRIPTS = path.resolve(__dirname, '../../../deploy/lab');
const MANAGERS = ['h1', 'h2', 'h3'];
const ALL = ['h1', 'h2', 'h3', 'h4', 'h5'];

interface Reply {
  status: number;
  body: string;
  json: any;
}

interface Info {
  Swarm: { NodeID: string; LocalNodeState: string; ControlAvailable: boolean; Managers?: number; Nodes?: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the process runs (a zombie has died: it is only waiting to be reaped). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function eventually<T>(fn: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${ms} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
      );
    }
    await sleep(100);
  }
}

describe('cluster: a swarm of 3 managers and 2 workers across lab hosts', function () {
  this.timeout(60_000);
  let lab: Lab | undefined;
  let tokens: { Worker: string; Manager: string };
  /** host name -> node ID */
  const ids = new Map<string, string>();
  const hostOfAddr = (addr: string) => `h${Number(addr.split(':')[0]!.split('.')[3]) - 10}`;
  const addr = (h: string) => lab!.host(h).address;

  /** A request with a short timeout (a dead peer must not stall a poll). */
  function api(h: string, method: string, p: string, body?: unknown, timeoutMs = 10_000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          socketPath: lab!.host(h).socket,
          method,
          path: p,
          timeout: timeoutMs,
          headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {},
        },
        (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => {
            let json: unknown;
            try {
              json = data ? JSON.parse(data) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: data, json });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${p} on ${h}: timeout`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function nodes(h: string, timeoutMs?: number): Promise<NodeObject[] | undefined> {
    const r = await api(h, 'GET', '/nodes', undefined, timeoutMs);
    return r.status === 200 && Array.isArray(r.json) ? (r.json as NodeObject[]) : undefined;
  }

  const info = async (h: string) => (await api(h, 'GET', '/info')).json as Info;

  /** The whole swarm as seen from manager `h`: 5 nodes, 3 managers, one leader, all ready. */
  async function healthy(h: string, managers = 3): Promise<NodeObject[] | undefined> {
    const list = await nodes(h);
    if (!list || list.length !== 5) return undefined;
    const ok =
      list.filter((n) => n.ManagerStatus).length === managers &&
      list.filter((n) => n.ManagerStatus?.Leader).length === 1 &&
      list.every((n) => n.Status.State === 'ready');
    return ok ? list : undefined;
  }

  async function leaderHost(from: string): Promise<string> {
    const list = await eventually(() => healthy(from), 30_000, `a healthy swarm seen from ${from}`);
    return hostOfAddr(list.find((n) => n.ManagerStatus?.Leader)!.ManagerStatus!.Addr);
  }

  /** A node spec update through any manager, retried while the version moves under it. */
  async function updateNode(via: string, id: string, change: (spec: NodeObject['Spec']) => NodeObject['Spec']) {
    for (let i = 0; ; i++) {
      const node = (await api(via, 'GET', `/nodes/${id}`)).json as NodeObject;
      const r = await api(via, 'POST', `/nodes/${id}/update?version=${node.Version!.Index}`, change(node.Spec));
      if (r.status === 200) return;
      if (!(r.status === 409 || r.status === 503) || i >= 30)
        assert.fail(`node update on ${via}: ${r.status} ${r.body}`);
      await sleep(200);
    }
  }

  async function stopDaemon(h: string): Promise<void> {
    const r = await runCommand('bash', [path.join(SCRIPTS, 'stop.sh'), h, '--dir', lab!.dir], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `stop.sh ${h}: ${r.stderr}`);
  }

  before(async function () {
    this.timeout(180_000);
    requireLab(this);
    lab = await startLab(6);
  });

  after(async function () {
    this.timeout(120_000);
    await lab?.stop();
  });

  it('h1 inits a swarm advertising 10.99.0.11:2377; h6 inits another one', async () => {
    for (const h of ['h1', 'h6']) {
      const r = await api(h, 'POST', '/swarm/init', {
        ListenAddr: `${addr(h)}:${PORT}`,
        AdvertiseAddr: `${addr(h)}:${PORT}`,
        Spec: { Dispatcher: { HeartbeatPeriod: 1_000_000_000 } },
      });
      assert.equal(r.status, 200, `${h}: ${r.body}`);
      ids.set(h, r.json as string);
    }
    const node = (await api('h1', 'GET', `/nodes/${ids.get('h1')}`)).json as NodeObject;
    assert.equal(node.ManagerStatus?.Addr, `10.99.0.11:${PORT}`);
    assert.equal(node.ManagerStatus?.Leader, true);
    tokens = (await api('h1', 'GET', '/swarm')).json.JoinTokens;
    assert.match(tokens.Worker, /^SWMTKN-1-/);
  });

  it("refuses a wrong token and a token of another swarm's CA", async () => {
    const join = (token: string) =>
      api('h5', 'POST', '/swarm/join', {
        RemoteAddrs: [`${addr('h1')}:${PORT}`],
        JoinToken: token,
        ListenAddr: `${addr('h5')}:${PORT}`,
        AdvertiseAddr: `${addr('h5')}:${PORT}`,
      });
    const wrong = await join(tokens.Worker.slice(0, -5) + 'zzzzz');
    assert.equal(wrong.status, 400, wrong.body);
    assert.match(wrong.json.message, /valid join token/);
    const foreignTokens = (await api('h6', 'GET', '/swarm')).json.JoinTokens;
    const foreign = await join(foreignTokens.Worker);
    assert.equal(foreign.status, 400, foreign.body);
    assert.match(foreign.json.message, /remote CA does not match/);
    assert.equal((await info('h5')).Swarm.LocalNodeState, 'inactive');
    // h6's own swarm is untouched: one node, itself.
    const h6 = await nodes('h6');
    assert.deepEqual(
      h6?.map((n) => n.ID),
      [ids.get('h6')],
    );
  });

  it('h2, h3 join as managers and h4, h5 as workers; node ls on every manager: 5 nodes, 3 managers, one leader, all ready', async () => {
    for (const h of ['h2', 'h3', 'h4', 'h5']) {
      const r = await api(
        h,
        'POST',
        '/swarm/join',
        {
          RemoteAddrs: [`${addr('h1')}:${PORT}`],
          JoinToken: MANAGERS.includes(h) ? tokens.Manager : tokens.Worker,
          ListenAddr: `${addr(h)}:${PORT}`,
          AdvertiseAddr: `${addr(h)}:${PORT}`,
        },
        30_000,
      );
      assert.equal(r.status, 200, `${h}: ${r.body}`);
      const s = (await info(h)).Swarm;
      assert.equal(s.ControlAvailable, MANAGERS.includes(h), h);
      ids.set(h, s.NodeID);
    }
    for (const m of MANAGERS) {
      const list = await eventually(() => healthy(m), 30_000, `node ls on ${m}`);
      assert.deepEqual(list.map((n) => n.ID).sort(), ALL.map((h) => ids.get(h)).sort());
      for (const n of list) {
        const h = ALL.find((x) => ids.get(x) === n.ID)!;
        assert.equal(n.Spec.Role, MANAGERS.includes(h) ? 'manager' : 'worker', h);
        assert.equal(n.Status.Addr, addr(h), h);
        assert.equal(n.Description?.Hostname, h);
        if (n.ManagerStatus) assert.equal(n.ManagerStatus.Addr, `${addr(h)}:${PORT}`);
      }
    }
    const w = await api('h4', 'GET', '/nodes');
    assert.equal(w.status, 503);
  });

  let killed = '';

  it('kill -9 of the leader: a new leader within 3 s, GET /nodes answers on the others, the old one goes down', async () => {
    killed = await leaderHost('h2');
    const oldId = ids.get(killed)!;
    const others = MANAGERS.filter((h) => h !== killed);
    const seen = new Map<string, number>();
    const pid = lab!.host(killed).pid;
    const called = performance.now();
    const kill = lab!.kill(killed);
    // The kill's moment: when the daemon is a zombie or gone (kill.sh starts a shell first, and
    // waits for the reaping, which the machine's init may take a second or more to do).
    let t0 = called;
    while (performance.now() - called < 10_000) {
      if (!alive(pid)) {
        t0 = performance.now();
        break;
      }
      await sleep(5);
    }
    // Poll every 50 ms on each survivor until it answers GET /nodes with another leader.
    const polls = others.map(async (h) => {
      while (performance.now() - t0 < 15_000) {
        const started = performance.now();
        const list = await nodes(h, 2_000).catch(() => undefined);
        const leader = list?.find((n) => n.ManagerStatus?.Leader);
        if (leader && leader.ID !== oldId) {
          seen.set(h, performance.now() - t0);
          return leader.ID;
        }
        await sleep(Math.max(0, 50 - (performance.now() - started)));
      }
      return undefined;
    });
    const [newLeaders] = await Promise.all([Promise.all(polls), kill]);
    const figures = others.map((h) => `${h} ${seen.has(h) ? Math.round(seen.get(h)!) + ' ms' : 'never'}`);
    console.log(
      `      new leader after the kill of ${killed}'s daemon: ${figures.join(', ')} ` +
        `(it died ${Math.round(t0 - called)} ms after lab.kill began)`,
    );
    assert.ok(newLeaders[0] && newLeaders[0] === newLeaders[1], `survivors disagree: ${newLeaders.join(' ')}`);
    for (const h of others) assert.ok((seen.get(h) ?? Infinity) <= 3_000, `${h} saw the new leader after ${figures}`);
    await assert.rejects(api(killed, 'GET', '/_ping'));

    // The dead manager is marked down after the heartbeat grace, and unreachable.
    await eventually(
      async () => {
        const n = (await nodes(others[0]!))?.find((x) => x.ID === oldId);
        return n?.Status.State === 'down' && n.ManagerStatus?.Reachability === 'unreachable';
      },
      30_000,
      `${killed} to be down`,
    );
    const down = performance.now() - t0;
    console.log(
      `      ${killed} down ${Math.round(down)} ms after the kill (${Math.round(down - Math.max(...seen.values()))} ms after the new leader)`,
    );
    // A write while it is away: a label on h5, through a follower or the new leader.
    await updateNode(others[1]!, ids.get('h5')!, (s) => ({ ...s, Labels: { ...s.Labels, written: 'while-down' } }));
  });

  it('the killed manager restarts with its data: ready, same node ID, still a manager, caught up', async () => {
    await lab!.start(killed);
    const id = ids.get(killed)!;
    const s = (await info(killed)).Swarm;
    assert.equal(s.NodeID, id);
    assert.equal(s.LocalNodeState, 'active');
    await eventually(
      async () => {
        if (!(await info(killed)).Swarm.ControlAvailable) return false;
        const list = await healthy(killed);
        const me = list?.find((n) => n.ID === id);
        const h5 = list?.find((n) => n.ID === ids.get('h5'));
        return (
          me?.Spec.Role === 'manager' &&
          me.ManagerStatus?.Reachability === 'reachable' &&
          h5?.Spec.Labels?.written === 'while-down'
        );
      },
      30_000,
      `${killed} back as a manager with the label written while it was down`,
    );
    for (const m of MANAGERS) await eventually(() => healthy(m), 30_000, `node ls on ${m} after the restart`);
  });

  it('promotes h4 to a manager and demotes it back', async () => {
    const id = ids.get('h4')!;
    await updateNode('h3', id, (s) => ({ ...s, Role: 'manager' }));
    await eventually(async () => (await info('h4')).Swarm.ControlAvailable, 30_000, 'h4 promoted');
    for (const m of [...MANAGERS, 'h4']) await eventually(() => healthy(m, 4), 30_000, `4 managers on ${m}`);
    await updateNode('h1', id, (s) => ({ ...s, Role: 'worker' }));
    await eventually(async () => !(await info('h4')).Swarm.ControlAvailable, 30_000, 'h4 demoted');
    for (const m of MANAGERS) {
      const list = await eventually(() => healthy(m, 3), 30_000, `3 managers on ${m}`);
      assert.equal(list.find((n) => n.ID === id)?.Spec.Role, 'worker');
    }
    assert.equal((await api('h4', 'GET', '/nodes')).status, 503);
  });

  it('every daemon stopped (SIGTERM) and started again: the swarm returns with its nodes, managers, leader and labels', async function () {
    this.timeout(120_000);
    const hosts = [...ALL, 'h6'];
    for (const h of hosts) await stopDaemon(h);
    for (const h of hosts) await assert.rejects(api(h, 'GET', '/_ping'), h);
    // up.sh again starts every host whose daemon is down, all at once, on the same data.
    lab = await startLab(6, { dir: lab!.dir, keep: true });
    for (const h of ALL) {
      const s = (await info(h)).Swarm;
      assert.equal(s.NodeID, ids.get(h), h);
      assert.equal(s.LocalNodeState, 'active', h);
    }
    for (const m of MANAGERS) {
      const list = await eventually(() => healthy(m), 60_000, `node ls on ${m} after the restart of every daemon`);
      assert.deepEqual(list.map((n) => n.ID).sort(), ALL.map((h) => ids.get(h)).sort());
      assert.equal(list.find((n) => n.ID === ids.get('h5'))?.Spec.Labels?.written, 'while-down');
      assert.deepEqual(
        list
          .filter((n) => n.ManagerStatus)
          .map((n) => hostOfAddr(n.ManagerStatus!.Addr))
          .sort(),
        MANAGERS,
      );
    }
    assert.equal((await info('h4')).Swarm.ControlAvailable, false);
    // The other swarm came back too, still alone.
    const h6 = await eventually(() => nodes('h6'), 30_000, 'node ls on h6');
    assert.deepEqual(
      h6.map((n) => [n.ID, n.ManagerStatus?.Leader]),
      [[ids.get('h6'), true]],
    );
  });

  it('down leaves no lab namespace behind', async function () {
    this.timeout(120_000);
    await lab!.stop();
    const netns = (await runCommand('ip', ['netns', 'list'])).stdout;
    assert.doesNotMatch(netns, /^tswlab-h\d+/m);
    lab = undefined;
  });
});
