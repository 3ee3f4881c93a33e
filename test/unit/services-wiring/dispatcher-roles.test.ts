import assert from 'node:assert/strict';
import { startDispatcherHarness, type DispatcherHarness } from './dispatcher-harness';
import { until } from './fixtures';

describe('Dispatcher: the role a node is told', () => {
  let h: DispatcherHarness;
  const members = new Set<number>();

  beforeEach(async () => {
    members.clear();
    h = await startDispatcherHarness({
      isRaftMember: (id) => members.has(id),
      seed: (store) =>
        store.update((tx) => {
          const n = tx.get('node', 'n1')!;
          // A manager being demoted: its spec says worker, raft still counts it.
          tx.update('node', { ...n, Spec: { ...n.Spec, Role: 'worker' }, Internal: { raftId: 7 } } as never);
        }),
    });
    members.add(7);
  });

  afterEach(() => h.close());

  it("a demoted manager that opens a session while raft still counts it hears 'manager', then 'worker' once raft lets it go", async () => {
    const p = await h.connect('n1');
    assert.equal(p.of('session')[0].role, 'manager');
    assert.deepEqual(p.of('role'), []);
    members.delete(7);
    await h.d.checkHeartbeats();
    await until(() => p.of('role').length === 1, 2000, 'role');
    assert.equal(p.of('role')[0].role, 'worker');
  });

  it('a worker hears worker', async () => {
    const p = await h.connect('n2');
    assert.equal(p.of('session')[0].role, 'worker');
  });
});
