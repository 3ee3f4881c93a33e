import assert from 'node:assert/strict';
import { publicCluster, publicNode, type StoredCluster, type StoredNode } from '../../../manager/internal-fields';
import { mergeSwarmSpec, defaultSwarmSpec, heartbeatPeriodMs } from '../../../manager/cluster-defaults';

const meta = { Version: { Index: 3 }, CreatedAt: 't', UpdatedAt: 't' };

describe('API shapes of stored objects', () => {
  const cluster: StoredCluster = {
    ID: 'c1',
    ...meta,
    Spec: defaultSwarmSpec(),
    JoinTokens: { Worker: 'w', Manager: 'm' },
    Internal: { caKey: 'SECRET', registry: { removedNodes: [], revokedSerials: [] } },
  };

  it('the cluster never shows the CA key; tokens only when asked', () => {
    const withTokens = publicCluster(cluster, true);
    assert.equal((withTokens as unknown as Record<string, unknown>).Internal, undefined);
    assert.deepEqual(withTokens.JoinTokens, { Worker: 'w', Manager: 'm' });
    assert.equal(publicCluster(cluster, false).JoinTokens, undefined);
    assert.ok(!JSON.stringify(publicCluster(cluster, true)).includes('SECRET'));
  });

  const mgr: StoredNode = {
    ID: 'n1',
    ...meta,
    Spec: { Role: 'manager', Availability: 'active' },
    Status: { State: 'ready', Addr: '10.0.0.1' },
    ManagerStatus: { Reachability: 'unknown', Addr: '10.0.0.1:2377' },
    Internal: { raftId: 7, certSerial: 'ab' },
  };

  it('a node: no Internal; Leader and Reachability from raft', () => {
    const leader = publicNode(mgr, { leaderRaftId: 7, members: new Set([7]) });
    assert.deepEqual(leader.ManagerStatus, { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1:2377' });
    assert.equal((leader as unknown as Record<string, unknown>).Internal, undefined);
    const follower = publicNode({ ...mgr, Status: { State: 'down' } }, { leaderRaftId: 8, members: new Set([7, 8]) });
    assert.deepEqual(follower.ManagerStatus, { Reachability: 'unreachable', Addr: '10.0.0.1:2377' });
  });

  it('a node that is not a raft member has no ManagerStatus', () => {
    assert.equal(publicNode(mgr, { leaderRaftId: 8, members: new Set([8]) }).ManagerStatus, undefined);
  });

  it('init specs merge over the defaults; zero fields keep them', () => {
    const s = mergeSwarmSpec(defaultSwarmSpec(), { Dispatcher: { HeartbeatPeriod: 2e9 }, Raft: { ElectionTick: 0 } });
    assert.equal(s.Dispatcher?.HeartbeatPeriod, 2e9);
    assert.equal(s.Raft?.ElectionTick, 10);
    assert.equal(s.Name, 'default');
    assert.equal(heartbeatPeriodMs(s), 2000);
    assert.equal(heartbeatPeriodMs(undefined), 5000);
  });
});
