import assert from 'node:assert/strict';
import { MemoryStore } from '../../../../src/store';
import { createLogger } from '../../../../src/util';
import { Dispatcher } from '../../../../manager/dispatcher/dispatcher';
import { defaultSwarmSpec } from '../../../../manager/cluster-defaults';

describe('dispatcher: node-down marking on the leader', () => {
  let now = 0;
  let leader = true;
  let store: MemoryStore;
  let d: Dispatcher;

  beforeEach(async () => {
    now = 1_000_000;
    leader = true;
    store = new MemoryStore();
    await store.update((tx) => {
      tx.create('cluster', { ID: 'c', Spec: { ...defaultSwarmSpec(), Dispatcher: { HeartbeatPeriod: 1e9 } } } as never);
      tx.create('node', {
        ID: 'n1',
        Spec: { Role: 'worker', Availability: 'active' },
        Status: { State: 'ready' },
      } as never);
    });
    d = new Dispatcher({
      store,
      isLeader: () => leader,
      leaderAddr: () => '',
      managers: () => [],
      isRaftMember: () => false,
      logger: createLogger('test', () => undefined),
      now: () => now,
    });
  });

  afterEach(() => d.close());

  const state = () => store.view((tx) => tx.get('node', 'n1'))!.Status;

  it('the heartbeat period comes from the cluster spec', () => {
    assert.equal(d.periodMs(), 1000);
  });

  it('a new leader waits three periods before marking a node without a session down', async () => {
    d.startLeader();
    now += 2500;
    await d.checkHeartbeats();
    assert.equal(state().State, 'ready');
    now += 1000;
    await d.checkHeartbeats();
    assert.deepEqual(state(), { State: 'down', Message: 'heartbeat failure' });
  });

  it('a follower marks nothing', async () => {
    leader = false;
    d.startLeader();
    now += 10_000;
    await d.checkHeartbeats();
    assert.equal(state().State, 'ready');
  });
});
