import { strict as assert } from 'node:assert';
import {
  ConstraintFilter,
  demandOf,
  hostPortKeys,
  HostPortFilter,
  MaxReplicasFilter,
  NodeInfo,
  Pipeline,
  PlatformFilter,
  ReadyFilter,
  ResourceFilter,
  taskEntry,
  type Filter,
} from '../../../manager/scheduler';
import type { TaskObject } from '../../../src/api';
import { node, task, type NodeOpts } from './fixtures';

const demand = (t: TaskObject) => demandOf(t, hostPortKeys((t as { Endpoint?: { Ports?: [] } }).Endpoint?.Ports));
const info = (o: NodeOpts = {}, id = 'n1') => new NodeInfo(node(id, o));

function explains(f: Filter, one: string, many: string) {
  assert.equal(f.explain(1), one);
  assert.equal(f.explain(3), many);
}

describe('scheduler: filters', () => {
  it('ReadyFilter: ready and active only', () => {
    const f = new ReadyFilter();
    assert.ok(f.setTask());
    assert.ok(f.check(info()));
    for (const state of ['down', 'unknown', 'disconnected'] as const) assert.ok(!f.check(info({ state })), state);
    for (const availability of ['pause', 'drain'] as const) assert.ok(!f.check(info({ availability })), availability);
    explains(f, '1 node not available for new tasks', '3 nodes not available for new tasks');
  });

  it('ResourceFilter: reservations against what the node has left', () => {
    const f = new ResourceFilter();
    assert.ok(!f.setTask(demand(task('t'))), 'off without reservations');
    assert.ok(f.setTask(demand(task('t', 's', { cpus: 2e9, memory: 2 ** 30 }))));
    const n = info({ cpus: 3e9, memory: 4 * 2 ** 30 });
    assert.ok(f.check(n));
    n.addTask('other', taskEntry(task('other', 's2', { cpus: 2e9, nodeId: 'n1', state: 'running' })));
    assert.ok(!f.check(n), 'only 1 CPU left');
    n.removeTask('other');
    assert.ok(f.check(n));
    assert.ok(!f.check(info({ memory: 2 ** 29 })));
    explains(f, 'insufficient resources on 1 node', 'insufficient resources on 3 nodes');
  });

  it('ConstraintFilter', () => {
    const f = new ConstraintFilter();
    assert.ok(!f.setTask(demand(task('t'))));
    assert.ok(f.setTask(demand(task('t', 's', { placement: { Constraints: ['node.labels.tier==web'] } }))));
    assert.ok(f.check(info({ labels: { tier: 'web' } })));
    assert.ok(!f.check(info({ labels: { tier: 'db' } })));
    assert.ok(
      !f.setTask(demand(task('t', 's', { placement: { Constraints: ['bad'] } }))),
      'unparsable: ignored, as Docker',
    );
    explains(f, 'scheduling constraints not satisfied on 1 node', 'scheduling constraints not satisfied on 3 nodes');
  });

  it('PlatformFilter: OS and architecture, x86_64 = amd64, aarch64 = arm64', () => {
    const f = new PlatformFilter();
    assert.ok(!f.setTask(demand(task('t'))));
    assert.ok(
      f.setTask(demand(task('t', 's', { placement: { Platforms: [{ OS: 'linux', Architecture: 'amd64' }] } }))),
    );
    assert.ok(f.check(info({ arch: 'x86_64' })));
    assert.ok(!f.check(info({ arch: 'aarch64' })));
    assert.ok(!f.check(info({ os: 'windows', arch: 'amd64' })));
    f.setTask(demand(task('t', 's', { placement: { Platforms: [{ Architecture: 'arm64' }] } })));
    assert.ok(f.check(info({ arch: 'aarch64' })));
    explains(f, 'unsupported platform on 1 node', 'unsupported platform on 3 nodes');
  });

  it('HostPortFilter: host-mode published ports only, by protocol', () => {
    const f = new HostPortFilter();
    assert.ok(
      !f.setTask(demand(task('t', 's', { ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }] }))),
    );
    const web = { ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' as const }] };
    assert.ok(f.setTask(demand(task('t', 's', web))));
    const n = info();
    assert.ok(f.check(n));
    n.addTask('x', taskEntry(task('x', 'other', { ...web, nodeId: 'n1', state: 'running' })));
    assert.ok(!f.check(n));
    f.setTask(demand(task('t', 's', { ports: [{ Protocol: 'udp', PublishedPort: 8080, PublishMode: 'host' }] })));
    assert.ok(f.check(n), 'udp/8080 is another port');
    explains(f, 'host-mode port already in use on 1 node', 'host-mode port already in use on 3 nodes');
  });

  it('MaxReplicasFilter: active tasks of the service on the node', () => {
    const f = new MaxReplicasFilter();
    assert.ok(!f.setTask(demand(task('t'))));
    assert.ok(f.setTask(demand(task('t', 'web', { placement: { MaxReplicas: 2 } }))));
    const n = info();
    const on = (id: string, svc: string, desired: TaskObject['DesiredState'] = 'running') =>
      n.addTask(id, taskEntry(task(id, svc, { nodeId: 'n1', state: 'running', desired })));
    on('a', 'web');
    on('b', 'db');
    on('c', 'web', 'shutdown');
    assert.ok(f.check(n));
    on('d', 'web');
    assert.ok(!f.check(n));
    assert.equal(f.explain(1), 'max replicas per node limit exceed');
    assert.equal(f.explain(5), 'max replicas per node limit exceed');
  });

  it('Pipeline: first failing filter counts; reasons most frequent first; a pass clears them', () => {
    const p = new Pipeline();
    p.setTask(demand(task('t', 's', { placement: { Constraints: ['node.labels.tier==web'] } })));
    assert.ok(!p.process(info({ labels: { tier: 'db' } })));
    assert.ok(!p.process(info({ labels: { tier: 'db' } })));
    assert.ok(!p.process(info({ state: 'down', labels: { tier: 'db' } })), 'ready is checked first');
    assert.equal(p.explain(), 'scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks');
    assert.ok(p.process(info({ labels: { tier: 'web' } })));
    assert.equal(p.explain(), '');
  });
});
