import { strict as assert } from 'node:assert';
import { Scheduler } from '../../../manager/scheduler';
import { MemoryStore } from '../../../src/store';
import { node, task, tasks } from './fixtures';
import { allTasks, countByNode, editNode, editTask, put } from './store-fixtures';

describe('scheduler: Scheduler', () => {
  let store: MemoryStore;
  let sched: Scheduler;
  let clock: number;

  beforeEach(() => {
    store = new MemoryStore();
    clock = 1_000_000;
    sched = new Scheduler({ store, debounceMs: 1, now: () => clock });
  });
  afterEach(() => sched.stop());

  it('places what is pending at start, then what arrives', async () => {
    await put(store, [node('n1'), node('n2'), node('n3')], tasks(3, 'a'));
    sched.start();
    sched.start();
    await sched.idle();
    assert.deepEqual(countByNode(store), { n1: 1, n2: 1, n3: 1 });
    await put(store, [], tasks(3, 'b'));
    await sched.idle();
    assert.deepEqual(countByNode(store, 'b'), { n1: 1, n2: 1, n3: 1 });
    assert.ok(allTasks(store).every((t) => t.Status.State === 'assigned'));
  });

  it('a pending task is placed when a node becomes ready', async () => {
    await put(store, [node('n1', { state: 'down' })], [task('t1')]);
    sched.start();
    await sched.idle();
    let [t] = allTasks(store);
    assert.equal(t!.Status.State, 'pending');
    assert.equal(t!.Status.Err, 'no suitable node (1 node not available for new tasks)');
    await editNode(store, 'n1', (n) => (n.Status.State = 'ready'));
    await sched.idle();
    [t] = allTasks(store);
    assert.equal(t!.NodeID, 'n1');
    assert.equal(t!.Status.State, 'assigned');
  });

  it('a pending task is placed when another task frees the resources', async () => {
    await put(
      store,
      [node('n1', { cpus: 1e9 })],
      [task('big', 's', { cpus: 1e9, nodeId: 'n1', state: 'running' }), task('t1', 's', { cpus: 1e9 })],
    );
    sched.start();
    await sched.idle();
    assert.equal(
      allTasks(store).find((t) => t.ID === 't1')!.Status.Err,
      'no suitable node (insufficient resources on 1 node)',
    );
    await editTask(store, 'big', (t) => (t.Status = { State: 'shutdown' }));
    await sched.idle();
    assert.equal(allTasks(store).find((t) => t.ID === 't1')!.NodeID, 'n1');
  });

  it('a drained node gets none of the new tasks', async () => {
    await put(store, [node('n1'), node('n2')]);
    sched.start();
    await editNode(store, 'n2', (n) => (n.Spec.Availability = 'drain'));
    await put(store, [], tasks(4));
    await sched.idle();
    assert.deepEqual(countByNode(store), { n1: 4 });
  });

  it('failures reported on a node push it last for that service', async () => {
    await put(store, [node('n1'), node('n2')], tasks(5, 'web', { nodeId: 'n1', state: 'running' }, 'old'));
    sched.start();
    await sched.idle();
    for (let i = 0; i < 5; i++) await editTask(store, `old-${i}`, (t) => (t.Status = { State: 'failed' }));
    await put(store, [], tasks(2, 'web', {}, 'new'));
    await sched.idle();
    assert.deepEqual(countByNode(store, 'web'), { n1: 5, n2: 2 });
    clock += 6 * 60 * 1000;
    await put(store, [], tasks(2, 'web', {}, 'newer'));
    await sched.idle();
    const newer = allTasks(store).filter((t) => t.ID.startsWith('newer'));
    assert.deepEqual(newer.map((t) => t.NodeID).sort(), ['n1', 'n1'], 'failures 6 minutes old no longer count');
  });

  it('host ports come from the service when the task has none of its own', async () => {
    await store.update((tx) => {
      tx.create('service', {
        ID: 'web',
        Spec: {
          Name: 'web',
          TaskTemplate: {},
          EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 80, PublishMode: 'host' }] },
        },
      });
    });
    await put(store, [node('n1'), node('n2')], tasks(3, 'web'));
    sched.start();
    await sched.idle();
    assert.deepEqual(countByNode(store), { n1: 1, n2: 1 });
    assert.ok(
      allTasks(store).some((t) => t.Status.Err === 'no suitable node (host-mode port already in use on 2 nodes)'),
    );
  });

  it('debounces a burst of commits into one pass', async () => {
    const slow = new Scheduler({ store, debounceMs: 100 });
    await put(store, [node('n1')]);
    slow.start();
    await slow.idle();
    const before = slow.passes;
    // Five commits in one turn (a store without a proposer applies each update at once).
    await Promise.all(Array.from({ length: 5 }, (_, i) => put(store, [], [task(`b${i}`)])));
    await slow.idle();
    await slow.stop();
    assert.equal(slow.passes - before, 1);
    assert.equal(slow.lastPass!.assigned, 5);
  });

  it('a pass that is due is not postponed by commits that only move placed tasks on', async () => {
    const slow = new Scheduler({ store, debounceMs: 150, maxLatencyMs: 60_000 });
    await put(store, [node('n1')], [task('t1', 's', { nodeId: 'n1', state: 'assigned' })]);
    slow.start();
    await slow.idle();
    const t0 = Date.now();
    await put(store, [], [task('new1')]);
    // Status reports every 20 ms, each within the debounce gap of the one before.
    for (let i = 0; i < 20; i++) {
      await editTask(store, 't1', (t) => (t.Status = { State: i % 2 ? 'running' : 'starting' }));
      await new Promise((r) => setTimeout(r, 20));
    }
    await slow.idle();
    await slow.stop();
    const placed = allTasks(store).find((t) => t.ID === 'new1')!;
    assert.equal(placed.Status.State, 'assigned');
    assert.ok(Date.parse(placed.Status.Timestamp!) - t0 < 350, 'placed one debounce after its own commit');
  });

  it('a plan that lost a race with another writer is tried again at once, not after retryMs', async () => {
    // A proposer that holds proposals until the test applies them, in the order it picks.
    const held: Array<{ data: Buffer; resolve: (r: unknown) => void }> = [];
    let holding = false;
    let index = 0;
    const raced: MemoryStore = new MemoryStore({
      proposer: {
        propose: (data) =>
          holding
            ? new Promise((resolve) => held.push({ data, resolve }))
            : Promise.resolve(raced.apply(++index, data)),
      },
    });
    const waitHeld = async (n: number) => {
      while (held.length < n) await new Promise((r) => setTimeout(r, 1));
    };
    const applyHeld = (i: number) => {
      const [h] = held.splice(i, 1);
      h.resolve(raced.apply(++index, h.data));
    };
    const s2 = new Scheduler({ store: raced, debounceMs: 1, retryMs: 60_000 });
    await put(raced, [node('n1')]);
    s2.start();
    await s2.idle();
    holding = true;
    void put(raced, [], [task('t1')]);
    await waitHeld(1);
    applyHeld(0);
    await waitHeld(1); // the scheduler's assignment of t1
    void editTask(raced, 't1', (t) => (t.DesiredState = 'ready'));
    await waitHeld(2);
    applyHeld(1); // the other writer commits first: the assignment is now out of sequence
    applyHeld(0);
    holding = false;
    const t0 = Date.now();
    while (raced.view((tx) => tx.get('task', 't1'))!.Status.State !== 'assigned' && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 5));
    await s2.stop();
    assert.equal(raced.view((tx) => tx.get('task', 't1'))!.Status.State, 'assigned');
    assert.ok(Date.now() - t0 < 1000, `placed ${Date.now() - t0} ms after the conflict`);
  });

  it('a commit that only moves placed tasks on neither starts nor postpones a pass', async () => {
    const slow = new Scheduler({ store, debounceMs: 60_000, maxLatencyMs: 60_000 });
    await put(store, [node('n1')], [task('t1', 's', { nodeId: 'n1', state: 'assigned' })]);
    slow.start();
    await slow.idle();
    const before = slow.passes;
    await editTask(store, 't1', (t) => (t.Status = { State: 'running' }));
    const settled = await Promise.race([
      slow.idle().then(() => 'idle'),
      new Promise((r) => setTimeout(r, 2000)).then(() => 'a pass is due'),
    ]);
    await slow.stop();
    assert.equal(settled, 'idle');
    assert.equal(slow.passes, before);
  });

  it('stop() is idempotent and nothing is placed after it', async () => {
    await put(store, [node('n1')]);
    sched.start();
    await sched.idle();
    await sched.stop();
    await sched.stop();
    await put(store, [], [task('late')]);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(allTasks(store)[0]!.NodeID, undefined);
    sched.start();
    await sched.idle();
    assert.equal(allTasks(store)[0]!.NodeID, 'n1', 'a restart picks it up');
  });

  it('resyncs after its watch overflows, and ends when the store closes', async () => {
    const small = new MemoryStore({ watchQueueLimit: 3 });
    const s = new Scheduler({ store: small, debounceMs: 1 });
    await put(small, [node('n1'), node('n2')]);
    s.start();
    await s.idle();
    await put(small, [], tasks(10)); // 10 events + commit in one batch: more than the watcher may hold
    await s.idle();
    assert.deepEqual(countByNode(small), { n1: 5, n2: 5 });
    small.close();
    await s.stop();
  });
});
