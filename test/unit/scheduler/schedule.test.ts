import { strict as assert } from 'node:assert';
import {
  ASSIGNED_MESSAGE,
  FAILURE_WINDOW_MS,
  NodeSet,
  PREASSIGNED_MESSAGE,
  schedule,
} from '../../../manager/scheduler';
import { node, perNode, task, tasks } from './fixtures';

const threeNodes = () => NodeSet.build([node('n1'), node('n2'), node('n3')]);
const zone = (z: string) => ({ labels: { zone: z } });
const spreadZone = { Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }] };

describe('scheduler: schedule()', () => {
  it('spreads 6 replicas over 3 nodes 2/2/2', () => {
    const plan = schedule(tasks(6), threeNodes());
    assert.deepEqual(perNode(plan.assignments), { n1: 2, n2: 2, n3: 2 });
    assert.equal(plan.pending.length, 0);
    assert.ok(plan.assignments.every((a) => a.message === ASSIGNED_MESSAGE));
  });

  it('prefers nodes with fewer tasks of the service, then fewer tasks in all', () => {
    const set = NodeSet.build(
      [node('n1'), node('n2'), node('n3')],
      [
        task('a', 'web', { nodeId: 'n1', state: 'running' }),
        task('b', 'db', { nodeId: 'n2', state: 'running' }),
        task('c', 'db', { nodeId: 'n2', state: 'running' }),
      ],
    );
    const plan = schedule(tasks(2, 'web'), set);
    assert.deepEqual(perNode(plan.assignments), { n3: 1, n2: 1 });
  });

  it('a down or drained node gets nothing', () => {
    const set = NodeSet.build([node('n1', { state: 'down' }), node('n2', { availability: 'drain' }), node('n3')]);
    const plan = schedule(tasks(4), set);
    assert.deepEqual(perNode(plan.assignments), { n3: 4 });
  });

  it('a task that fits nowhere stays pending with every reason, counted per node', () => {
    const set = NodeSet.build([
      node('n1', { labels: { tier: 'db' } }),
      node('n2', { labels: { tier: 'db' } }),
      node('n3', { labels: { tier: 'db' } }),
      node('n4', { availability: 'pause' }),
    ]);
    const plan = schedule(tasks(2, 'svc', { placement: { Constraints: ['node.labels.tier==web'] } }), set);
    assert.equal(plan.assignments.length, 0);
    assert.equal(plan.pending.length, 2);
    assert.equal(
      plan.pending[0]!.err,
      'no suitable node (scheduling constraints not satisfied on 3 nodes; 1 node not available for new tasks)',
    );
  });

  it('with no nodes at all: "no suitable node"', () => {
    const plan = schedule(tasks(1), new NodeSet());
    assert.equal(plan.pending[0]!.err, 'no suitable node');
  });

  it('constraints on each key pick the matching nodes', () => {
    const set = NodeSet.build([
      node('n1', { role: 'manager', hostname: 'alpha', labels: { tier: 'web' }, engineLabels: { disk: 'ssd' } }),
      node('n2', { hostname: 'beta', os: 'windows', arch: 'arm64', labels: { tier: 'db' } }),
      node('n3', { hostname: 'gamma', addr: '10.9.0.5' }),
    ]);
    const where = (c: string) =>
      Object.keys(perNode(schedule(tasks(3, c, { placement: { Constraints: [c] } }), set).assignments));
    const fresh = (c: string) => {
      const s = NodeSet.build([...set.nodes.values()].map((i) => i.node));
      return Object.keys(perNode(schedule(tasks(3, c, { placement: { Constraints: [c] } }), s).assignments)).sort();
    };
    assert.deepEqual(where('node.id==n2'), ['n2']);
    assert.deepEqual(fresh('node.hostname==gamma'), ['n3']);
    assert.deepEqual(fresh('node.role==manager'), ['n1']);
    assert.deepEqual(fresh('node.role!=manager'), ['n2', 'n3']);
    assert.deepEqual(fresh('node.platform.os==windows'), ['n2']);
    assert.deepEqual(fresh('node.platform.arch==arm64'), ['n2']);
    assert.deepEqual(fresh('node.labels.tier==web'), ['n1']);
    assert.deepEqual(fresh('node.labels.tier!=web'), ['n2', 'n3']);
    assert.deepEqual(fresh('engine.labels.disk==ssd'), ['n1']);
    assert.deepEqual(fresh('node.ip==10.9.0.0/16'), ['n3']);
  });

  it('spreads over zones first: 2 zones, 3 nodes, even per zone', () => {
    const set = NodeSet.build([node('n1', zone('a')), node('n2', zone('a')), node('n3', zone('b'))]);
    const plan = schedule(tasks(6, 'svc', { placement: spreadZone }), set);
    assert.deepEqual(perNode(plan.assignments), { n1: 2, n2: 1, n3: 3 });
  });

  it('zones count the tasks already there; nodes without the label are a zone of their own', () => {
    const set = NodeSet.build(
      [node('n1', zone('a')), node('n2', zone('b')), node('n3')],
      [
        task('old1', 'svc', { nodeId: 'n1', state: 'running' }),
        task('old2', 'svc', { nodeId: 'n1', state: 'running' }),
      ],
    );
    const plan = schedule(tasks(4, 'svc', { placement: spreadZone }), set);
    assert.deepEqual(perNode(plan.assignments), { n2: 2, n3: 2 });
  });

  it('nested preferences: even per datacenter, then per rack within each', () => {
    const nodes = [
      node('a1', { labels: { dc: 'east', rack: 'r1' } }),
      node('a2', { labels: { dc: 'east', rack: 'r1' } }),
      node('a3', { labels: { dc: 'east', rack: 'r2' } }),
      node('b1', { labels: { dc: 'west', rack: 'r1' } }),
    ];
    const placement = {
      Preferences: [
        { Spread: { SpreadDescriptor: 'node.labels.dc' } },
        { Spread: { SpreadDescriptor: 'node.labels.rack' } },
      ],
    };
    const plan = schedule(tasks(8, 'svc', { placement }), NodeSet.build(nodes));
    assert.deepEqual(perNode(plan.assignments), { a1: 1, a2: 1, a3: 2, b1: 4 });
  });

  it('a zone with no feasible node leaves its share to the others', () => {
    const set = NodeSet.build([
      node('n1', zone('a')),
      node('n2', zone('b')),
      node('n3', { ...zone('c'), state: 'down' }),
    ]);
    const plan = schedule(tasks(6, 'svc', { placement: spreadZone }), set);
    assert.deepEqual(perNode(plan.assignments), { n1: 3, n2: 3 });
  });

  it('MaxReplicas caps each node; the rest stay pending with the reason', () => {
    const plan = schedule(tasks(8, 'svc', { placement: { MaxReplicas: 2 } }), threeNodes());
    assert.deepEqual(perNode(plan.assignments), { n1: 2, n2: 2, n3: 2 });
    assert.equal(plan.pending.length, 2);
    assert.equal(plan.pending[0]!.err, 'no suitable node (max replicas per node limit exceed)');
  });

  it('host-mode ports: one task per node per port, and not where another service holds it', () => {
    const ports = [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' as const }];
    const set = NodeSet.build(
      [node('n1'), node('n2'), node('n3')],
      [task('other', 'other', { nodeId: 'n1', state: 'running', ports })],
    );
    const plan = schedule(tasks(3, 'web', { ports }), set);
    assert.deepEqual(perNode(plan.assignments), { n2: 1, n3: 1 });
    // Refusals since the last node that passed, as Docker counts them: n2 and n3 once they hold the port.
    assert.equal(plan.pending[0]!.err, 'no suitable node (host-mode port already in use on 2 nodes)');
  });

  it('resources: reservations fill nodes, then tasks stay pending', () => {
    const set = NodeSet.build([node('n1', { cpus: 2e9 }), node('n2', { cpus: 1e9 })]);
    const plan = schedule(tasks(4, 'svc', { cpus: 1e9 }), set);
    assert.deepEqual(perNode(plan.assignments), { n1: 2, n2: 1 });
    assert.equal(plan.pending[0]!.err, 'no suitable node (insufficient resources on 2 nodes)');
  });

  it('nodes where the service failed 5 times in the last 5 minutes come last', () => {
    const set = threeNodes();
    const now = 10 * FAILURE_WINDOW_MS;
    for (let i = 0; i < 5; i++) set.get('n1')!.taskFailed('svc', now - 1000 * i);
    const plan = schedule(tasks(2), set, { nowMs: now });
    assert.deepEqual(perNode(plan.assignments), { n2: 1, n3: 1 });
    assert.deepEqual(perNode(schedule(tasks(3, 'other'), set, { nowMs: now }).assignments), { n1: 1, n2: 1, n3: 1 });
    const later = schedule(tasks(2, 'svc', {}, 'later'), threeNodesWithFailures(now - FAILURE_WINDOW_MS - 1), {
      nowMs: now,
    });
    assert.deepEqual(perNode(later.assignments), { n1: 1, n2: 1 }, 'old failures no longer count');
  });

  it('fewer than 5 recent failures do not change the order', () => {
    const set = threeNodes();
    for (let i = 0; i < 4; i++) set.get('n1')!.taskFailed('svc', 1000);
    assert.deepEqual(perNode(schedule(tasks(1), set, { nowMs: 2000 }).assignments), { n1: 1 });
  });

  it('preassigned tasks are confirmed on their node, or left pending with the reason', () => {
    const set = NodeSet.build([node('n1'), node('n2', { availability: 'drain' })]);
    const plan = schedule([task('g1', 'global', { nodeId: 'n1' }), task('g2', 'global', { nodeId: 'n2' })], set);
    assert.deepEqual(
      plan.assignments.map((a) => [a.taskId, a.nodeId, a.message]),
      [['g1', 'n1', PREASSIGNED_MESSAGE]],
    );
    assert.deepEqual(plan.pending, [
      { taskId: 'g2', taskVersion: plan.pending[0]!.taskVersion, err: '1 node not available for new tasks' },
    ]);
  });

  it('placements are recorded in the node set, so a later pass sees them', () => {
    const set = threeNodes();
    schedule(tasks(3, 'svc', {}, 'first'), set);
    const plan = schedule(tasks(3, 'svc', {}, 'second'), set);
    assert.deepEqual(perNode(plan.assignments), { n1: 1, n2: 1, n3: 1 });
    assert.equal(set.get('n1')!.serviceTasks('svc'), 2);
  });

  it('batches: 10k tasks of 10 services on 100 nodes spread evenly', () => {
    const nodes = Array.from({ length: 100 }, (_, i) => node(`n${String(i).padStart(3, '0')}`));
    const set = NodeSet.build(nodes);
    const all = Array.from({ length: 10 }, (_, s) => tasks(1000, `s${s}`)).flat();
    const plan = schedule(all, set);
    assert.equal(plan.assignments.length, 10000);
    assert.equal(plan.pending.length, 0);
    const counts = Object.values(perNode(plan.assignments));
    assert.equal(counts.length, 100);
    assert.ok(
      counts.every((c) => c === 100),
      'every node 100',
    );
    for (const info of set.nodes.values()) for (let s = 0; s < 10; s++) assert.equal(info.serviceTasks(`s${s}`), 10);
    assert.equal(new Set(plan.assignments.map((a) => a.taskId)).size, 10000, 'each task once');
  });
});

function threeNodesWithFailures(at: number) {
  const set = threeNodes();
  for (let i = 0; i < 5; i++) set.get('n3')!.taskFailed('svc', at);
  return set;
}
