import assert from 'node:assert/strict';
import * as path from 'node:path';
import { CertificateAuthority, createCsr, createJoinTokens, loadNodeCredentials } from '../../../src/pki';
import { callManager, RPC_PATHS } from '../../../src/rpc';
import { requireContainerd } from '../../support/containerd';
import { eventually, startSwarmDaemon, type SwarmDaemon } from './swarm-daemons';

const NOT_IN_SWARM =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const WORKER =
  "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.";

describe('swarm: init, join, managers, workers (real daemons)', function () {
  this.timeout(180_000);
  const ds: SwarmDaemon[] = [];
  let m1: SwarmDaemon, m2: SwarmDaemon, m3: SwarmDaemon, w1: SwarmDaemon;
  let tokens: { Worker: string; Manager: string };

  before(async function () {
    requireContainerd(this);
    for (const n of [21, 22, 23, 24]) ds.push(await startSwarmDaemon(n));
    [m1, m2, m3, w1] = ds as [SwarmDaemon, SwarmDaemon, SwarmDaemon, SwarmDaemon];
  });

  after(async () => {
    for (const d of ds) await d.destroy();
  });

  it('answers control requests outside a swarm with 503 and inactive /info', async () => {
    const r = await m1.api('GET', '/v1.44/swarm');
    assert.equal(r.status, 503);
    assert.equal(r.json.message, NOT_IN_SWARM);
    assert.equal((await m1.api('GET', '/nodes')).status, 503);
    const info = (await m1.api('GET', '/info')).json;
    assert.equal(info.Swarm.LocalNodeState, 'inactive');
    assert.equal(info.Swarm.ControlAvailable, false);
    assert.equal((await m1.api('GET', '/_ping')).headers.swarm, 'inactive');
  });

  it('init returns the node ID once the node, its ManagerStatus and the tokens are readable', async () => {
    const r = await m1.api('POST', '/v1.44/swarm/init', {
      ListenAddr: m1.clusterAddr,
      AdvertiseAddr: m1.clusterAddr,
      Spec: { Dispatcher: { HeartbeatPeriod: 1_000_000_000 } },
    });
    assert.equal(r.status, 200, r.body);
    assert.equal(typeof r.json, 'string');
    const node = (await m1.api('GET', `/v1.44/nodes/${r.json}`)).json;
    assert.equal(node.ID, r.json);
    assert.equal(node.Spec.Role, 'manager');
    assert.equal(node.ManagerStatus.Leader, true);
    assert.equal(node.ManagerStatus.Reachability, 'reachable');
    assert.equal(node.ManagerStatus.Addr, m1.clusterAddr);
    assert.equal(node.Internal, undefined);
    const swarm = (await m1.api('GET', '/v1.44/swarm')).json;
    assert.match(swarm.JoinTokens.Worker, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
    assert.match(swarm.JoinTokens.Manager, /^SWMTKN-1-/);
    assert.notEqual(swarm.JoinTokens.Worker, swarm.JoinTokens.Manager);
    assert.equal(swarm.Spec.Dispatcher.HeartbeatPeriod, 1_000_000_000);
    assert.equal(swarm.Spec.Raft.ElectionTick, 10);
    assert.match(swarm.TLSInfo.TrustRoot, /BEGIN CERTIFICATE/);
    assert.equal(swarm.Internal, undefined);
    assert.ok(swarm.Version.Index > 0);
    tokens = swarm.JoinTokens;
    assert.equal((await m1.api('GET', '/_ping')).headers.swarm, 'active/manager');
    const again = await m1.api('POST', '/swarm/init', { ListenAddr: m1.clusterAddr });
    assert.equal(again.status, 503);
    assert.match(again.json.message, /already part of a swarm/);
  });

  it('/info shows the Swarm section of a manager', async () => {
    const s = (await m1.api('GET', '/info')).json.Swarm;
    assert.equal(s.LocalNodeState, 'active');
    assert.equal(s.ControlAvailable, true);
    assert.equal(s.NodeAddr, '127.0.0.1');
    assert.equal(s.Managers, 1);
    assert.equal(s.Nodes, 1);
    assert.deepEqual(s.RemoteManagers, [{ NodeID: s.NodeID, Addr: m1.clusterAddr }]);
    assert.equal(s.Cluster.JoinTokens, undefined);
    assert.ok(s.Cluster.ID);
  });

  it('refuses a wrong token and a token of another CA', async () => {
    const bad = tokens.Worker.slice(0, -5) + 'zzzzz';
    const r1 = await w1.api('POST', '/swarm/join', {
      RemoteAddrs: [m1.clusterAddr],
      JoinToken: bad,
      ListenAddr: w1.clusterAddr,
    });
    assert.equal(r1.status, 400, r1.body);
    assert.match(r1.json.message, /valid join token/);
    const other = CertificateAuthority.create();
    const foreign = createJoinTokens(other.material.certPem).worker;
    const r2 = await w1.api('POST', '/swarm/join', {
      RemoteAddrs: [m1.clusterAddr],
      JoinToken: foreign,
      ListenAddr: w1.clusterAddr,
    });
    assert.equal(r2.status, 400, r2.body);
    assert.match(r2.json.message, /remote CA does not match/);
    const r3 = await w1.api('POST', '/swarm/join', { RemoteAddrs: [m1.clusterAddr], JoinToken: 'nope' });
    assert.equal(r3.status, 400);
    assert.equal((await w1.api('GET', '/info')).json.Swarm.LocalNodeState, 'inactive');
  });

  it('a worker joins, becomes ready, and answers control requests with 503', async () => {
    const r = await w1.api('POST', '/swarm/join', {
      RemoteAddrs: [m1.clusterAddr],
      JoinToken: tokens.Worker,
      ListenAddr: w1.clusterAddr,
      AdvertiseAddr: w1.clusterAddr,
    });
    assert.equal(r.status, 200, r.body);
    const info = (await w1.api('GET', '/info')).json.Swarm;
    assert.equal(info.LocalNodeState, 'active');
    assert.equal(info.ControlAvailable, false);
    assert.equal((await w1.api('HEAD', '/_ping')).headers.swarm, 'active/worker');
    const nodes = await eventually(
      async () => {
        const list = (await m1.api('GET', '/nodes')).json as any[];
        const w = list.find((n) => n.ID === info.NodeID);
        return w?.Status.State === 'ready' ? list : undefined;
      },
      20000,
      'the worker to be ready',
    );
    const w = nodes.find((n: any) => n.ID === info.NodeID);
    assert.equal(w.Spec.Role, 'worker');
    assert.equal(w.ManagerStatus, undefined);
    assert.equal(w.Status.Addr, '127.0.0.1');
    assert.ok(w.Description.Hostname);
    assert.ok(w.Description.Resources.NanoCPUs > 0);
    assert.ok(w.Description.Engine.EngineVersion);
    const c = await w1.api('GET', '/nodes');
    assert.equal(c.status, 503);
    assert.equal(c.json.message, WORKER);
  });

  it('two managers join; every manager lists every node and the same leader', async () => {
    for (const m of [m2, m3]) {
      const r = await m.api('POST', '/swarm/join', {
        RemoteAddrs: [m1.clusterAddr],
        JoinToken: tokens.Manager,
        ListenAddr: m.clusterAddr,
        AdvertiseAddr: m.clusterAddr,
      });
      assert.equal(r.status, 200, r.body);
      assert.equal((await m.api('GET', '/info')).json.Swarm.ControlAvailable, true);
    }
    for (const m of [m1, m2, m3]) {
      await eventually(
        async () => {
          const list = (await m.api('GET', '/nodes')).json as any[];
          if (!Array.isArray(list) || list.length !== 4) return undefined;
          const managers = list.filter((n) => n.ManagerStatus);
          const leaders = list.filter((n) => n.ManagerStatus?.Leader);
          return managers.length === 3 && leaders.length === 1 && list.every((n) => n.Status.State === 'ready');
        },
        30000,
        `node ls on daemon ${m.n}`,
      );
    }
    const f = await m2.api('GET', `/nodes?filters=${encodeURIComponent(JSON.stringify({ role: { manager: true } }))}`);
    assert.equal(f.json.length, 3);
    const bad = await m2.api('GET', `/nodes?filters=${encodeURIComponent(JSON.stringify({ color: { red: true } }))}`);
    assert.equal(bad.status, 400);
    const info = (await m3.api('GET', '/info')).json.Swarm;
    assert.equal(info.Managers, 3);
    assert.equal(info.Nodes, 4);
    assert.equal(info.RemoteManagers.length, 3);
  });

  it('a write on a follower goes through raft (node update with ?version=, 409 when stale)', async () => {
    const wid = (await w1.api('GET', '/info')).json.Swarm.NodeID;
    const node = (await m3.api('GET', `/nodes/${wid}`)).json;
    const spec = { ...node.Spec, Availability: 'drain', Labels: { zone: 'a' } };
    const r = await m3.api('POST', `/nodes/${wid}/update?version=${node.Version.Index}`, spec);
    assert.equal(r.status, 200, r.body);
    const stale = await m3.api('POST', `/nodes/${wid}/update?version=${node.Version.Index}`, spec);
    assert.equal(stale.status, 409);
    await eventually(async () => (await m1.api('GET', `/nodes/${wid}`)).json.Spec.Availability === 'drain');
    const byLabel = await m1.api(
      'GET',
      `/nodes?filters=${encodeURIComponent(JSON.stringify({ 'node.label': { 'zone=a': true } }))}`,
    );
    assert.deepEqual(
      byLabel.json.map((n: any) => n.ID),
      [wid],
    );
  });

  it('rotates the worker token; the old one is refused', async () => {
    const before = (await m2.api('GET', '/swarm')).json;
    const r = await m2.api(
      'POST',
      `/swarm/update?version=${before.Version.Index}&rotateWorkerToken=true&rotateManagerToken=false`,
      before.Spec,
    );
    assert.equal(r.status, 200, r.body);
    const after = (await m2.api('GET', '/swarm')).json;
    assert.notEqual(after.JoinTokens.Worker, before.JoinTokens.Worker);
    assert.equal(after.JoinTokens.Manager, before.JoinTokens.Manager);
    tokens = after.JoinTokens;
  });

  it('refuses to demote past quorum rules and to remove a manager without demoting it', async () => {
    const list = (await m1.api('GET', '/nodes')).json as any[];
    const mgr = list.find((n) => n.ManagerStatus && !n.ManagerStatus.Leader);
    const r = await m1.api('DELETE', `/nodes/${mgr.ID}`);
    assert.equal(r.status, 400);
    assert.match(r.json.message, /is a cluster manager/);
  });

  it('a manager leaves only with force', async () => {
    const r = await m1.api('POST', '/swarm/leave');
    assert.equal(r.status, 503);
    assert.match(r.json.message, /participating as a manager/);
  });

  it('the leader stops: another manager leads and the API keeps answering', async () => {
    const leaderNode = ((await m1.api('GET', '/nodes')).json as any[]).find((n) => n.ManagerStatus?.Leader);
    const leader = [m1, m2, m3].find((m) => m.clusterAddr === leaderNode.ManagerStatus.Addr)!;
    await leader.halt();
    const others = [m1, m2, m3].filter((m) => m !== leader);
    for (const m of others) {
      await eventually(
        async () => {
          const list = (await m.api('GET', '/nodes')).json as any[];
          const l = list.find((n) => n.ManagerStatus?.Leader);
          return l && l.ID !== leaderNode.ID;
        },
        30000,
        `a new leader seen by daemon ${m.n}`,
      );
    }
    const wid = (await w1.api('GET', '/info')).json.Swarm.NodeID;
    const node = (await others[0]!.api('GET', `/nodes/${wid}`)).json;
    const r = await others[0]!.api('POST', `/nodes/${wid}/update?version=${node.Version.Index}`, {
      ...node.Spec,
      Availability: 'active',
    });
    assert.equal(r.status, 200, r.body);
    await eventually(
      async () => {
        const n = ((await others[1]!.api('GET', '/nodes')).json as any[]).find((x) => x.ID === leaderNode.ID);
        return n?.Status.State === 'down';
      },
      30000,
      'the stopped leader to be marked down',
    );
    // the restarted daemon comes back as a manager with its state
    await leader.resume();
    await eventually(
      async () => {
        const s = (await leader.api('GET', '/info')).json.Swarm;
        const list = (await leader.api('GET', '/nodes')).json as any[];
        return (
          s.ControlAvailable &&
          Array.isArray(list) &&
          list.length === 4 &&
          list.find((n) => n.ID === leaderNode.ID)?.Status.State === 'ready'
        );
      },
      30000,
      'the restarted manager to resume',
    );
    // reads are local: the restarted manager shows the write made while it was away once it has caught up
    await eventually(async () => (await leader.api('GET', `/nodes/${wid}`)).json.Spec.Availability === 'active');
  });

  it('restart of a worker: it comes back in the swarm', async () => {
    const wid = (await w1.api('GET', '/info')).json.Swarm.NodeID;
    await w1.halt();
    await w1.resume();
    const s = (await w1.api('GET', '/info')).json.Swarm;
    assert.equal(s.NodeID, wid);
    assert.equal(s.LocalNodeState, 'active');
    await eventually(async () => (await m2.api('GET', `/nodes/${wid}`)).json.Status.State === 'ready');
  });

  it('promote and demote the worker', async () => {
    const wid = (await w1.api('GET', '/info')).json.Swarm.NodeID;
    let node = (await m1.api('GET', `/nodes/${wid}`)).json;
    let r = await m1.api('POST', `/nodes/${wid}/update?version=${node.Version.Index}`, {
      ...node.Spec,
      Role: 'manager',
    });
    assert.equal(r.status, 200, r.body);
    await eventually(
      async () => (await w1.api('GET', '/info')).json.Swarm.ControlAvailable === true,
      30000,
      'promotion',
    );
    await eventually(
      async () => {
        const list = (await w1.api('GET', '/nodes')).json as any[];
        return Array.isArray(list) && list.filter((n) => n.ManagerStatus).length === 4;
      },
      30000,
      'four managers',
    );
    node = (await m2.api('GET', `/nodes/${wid}`)).json;
    r = await m2.api('POST', `/nodes/${wid}/update?version=${node.Version.Index}`, { ...node.Spec, Role: 'worker' });
    assert.equal(r.status, 200, r.body);
    await eventually(
      async () => (await w1.api('GET', '/info')).json.Swarm.ControlAvailable === false,
      30000,
      'demotion',
    );
    await eventually(
      async () => {
        const list = (await m1.api('GET', '/nodes')).json as any[];
        return list.filter((n) => n.ManagerStatus).length === 3;
      },
      30000,
      'three managers',
    );
  });

  it('a removed node is refused', async () => {
    const wid = (await w1.api('GET', '/info')).json.Swarm.NodeID;
    const r0 = await m1.api('DELETE', `/nodes/${wid}`);
    assert.equal(r0.status, 400);
    assert.match(r0.json.message, /is not down/);
    // The demotion just before may still be writing the node's new key and certificate.
    const creds = await eventually(
      () => loadNodeCredentials(path.join(w1.dataRoot, 'swarm', 'certificates')).catch(() => undefined),
      10000,
      'a matching key and certificate',
    );
    const r = await m1.api('DELETE', `/nodes/${wid}?force=1`);
    assert.equal(r.status, 200, r.body);
    // its certificate no longer opens anything on the cluster port
    const csr = createCsr();
    await assert.rejects(
      callManager(m1.clusterAddr, creds, 'POST', RPC_PATHS.renew, { csr: csr.csrPem }),
      (err: Error & { httpStatus?: number }) => err.httpStatus === 403 && /removed/.test(err.message),
    );
    assert.equal((await m1.api('GET', `/nodes/${wid}`)).status, 404);
    // the removed node's session is closed and it leaves the swarm locally
    await eventually(
      async () => (await w1.api('GET', '/info')).json.Swarm.LocalNodeState === 'inactive',
      20000,
      'the removed node to stop',
    );
  });

  it('a manager leaves with force; the others keep a leader', async () => {
    const r = await m3.api('POST', '/swarm/leave?force=1');
    assert.equal(r.status, 200, r.body);
    assert.equal((await m3.api('GET', '/info')).json.Swarm.LocalNodeState, 'inactive');
    await eventually(
      async () => {
        const list = (await m1.api('GET', '/nodes')).json as any[];
        return (
          Array.isArray(list) &&
          list.filter((n) => n.ManagerStatus).length === 2 &&
          list.some((n) => n.ManagerStatus?.Leader)
        );
      },
      30000,
      'two managers with a leader',
    );
  });

  let beforeLoss: { ID: string; JoinTokens: unknown } | undefined;
  it('losing quorum: reads and writes answer 503 saying the swarm has no leader', async () => {
    const me = (await m1.api('GET', '/info')).json.Swarm.NodeID;
    const node = (await m1.api('GET', `/nodes/${me}`)).json;
    beforeLoss = (await m1.api('GET', '/swarm')).json;
    await m2.halt();
    const r = await m1.api('POST', `/nodes/${me}/update?version=${node.Version.Index}`, {
      ...node.Spec,
      Labels: { x: '1' },
    });
    assert.equal(r.status, 503, r.body);
    assert.match(r.json.message, /The swarm does not have a leader/);
    // As Docker's: once m1 knows it has no leader, it serves no possibly stale swarm state either.
    const read = await eventually(
      async () => {
        const x = await m1.api('GET', '/nodes');
        return x.status !== 200 && x;
      },
      20_000,
      'reads refused',
    );
    assert.equal(read.status, 503, read.body);
    assert.match(read.json.message, /The swarm does not have a leader/);
    assert.equal((await m1.api('GET', '/networks/bridge')).status, 200, 'local networks still answer');
  });

  it('swarm init --force-new-cluster restarts the survivor with the state it has', async () => {
    const me = (await m1.api('GET', '/info')).json.Swarm.NodeID;
    const before = beforeLoss!;
    const r = await m1.api('POST', '/swarm/init', { ListenAddr: m1.clusterAddr, ForceNewCluster: true });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json, me);
    const after = (await m1.api('GET', '/swarm')).json;
    assert.equal(after.ID, before.ID);
    assert.deepEqual(after.JoinTokens, before.JoinTokens);
    const node = (await m1.api('GET', `/nodes/${me}`)).json;
    assert.equal(node.ManagerStatus.Leader, true);
    const w = await m1.api('POST', `/nodes/${me}/update?version=${node.Version.Index}`, {
      ...node.Spec,
      Labels: { x: '1' },
    });
    assert.equal(w.status, 200, w.body);
  });
});
