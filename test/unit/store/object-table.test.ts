import { strict as assert } from 'node:assert';
import { ObjectTable } from '../../../src/store/object-table';
import { SortedIds } from '../../../src/store/sorted-ids';
import { findInTable } from '../../../src/store/find-filter';
import type { AnyObject } from '../../../src/store';

const meta = (id: string) => ({ ID: id, Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '' });
const t = (id: string, svc: string, node: string | undefined, labels: Record<string, string> = {}) =>
  ({
    ...meta(id),
    Labels: labels,
    Spec: {},
    ServiceID: svc,
    NodeID: node,
    Status: { State: 'new' },
    DesiredState: 'running',
  }) as AnyObject;

describe('store: SortedIds', () => {
  it('keeps IDs sorted and answers prefixes as ranges', () => {
    const s = new SortedIds();
    for (const id of ['b2', 'a1', 'b1', 'c', 'a1', 'ab']) s.add(id);
    assert.deepEqual(s.all(), ['a1', 'ab', 'b1', 'b2', 'c']);
    assert.deepEqual(s.withPrefix('b'), ['b1', 'b2']);
    assert.deepEqual(s.withPrefix('a', 1), ['a1']);
    assert.deepEqual(s.withPrefix('z'), []);
    s.delete('b1');
    s.delete('nope');
    assert.deepEqual(s.withPrefix('b'), ['b2']);
    assert.equal(s.size, 4);
  });
});

describe('store: ObjectTable indexes', () => {
  it('indexes tasks by service, node, label and ID prefix, and follows replacements', () => {
    const tb = new ObjectTable('task');
    tb.put(t('t1', 's1', 'n1', { tier: 'web' }));
    tb.put(t('t2', 's1', 'n2', { tier: 'db' }));
    tb.put(t('x3', 's2', undefined));
    assert.deepEqual([...tb.idsByService('s1')], ['t1', 't2']);
    assert.deepEqual([...tb.idsByNode('n1')], ['t1']);
    assert.deepEqual([...tb.idsByLabel('tier', 'web')], ['t1']);
    assert.deepEqual([...tb.idsByLabel('tier', null)].sort(), ['t1', 't2']);
    assert.deepEqual(tb.idsByPrefix('t'), ['t1', 't2']);
    // t1 moves to n2 and loses its label: the old buckets forget it
    tb.put(t('t1', 's1', 'n2'));
    assert.deepEqual([...tb.idsByNode('n1')], []);
    assert.deepEqual([...tb.idsByNode('n2')].sort(), ['t1', 't2']);
    assert.deepEqual([...tb.idsByLabel('tier', null)], ['t2']);
    tb.remove('t2');
    assert.deepEqual([...tb.idsByService('s1')], ['t1']);
    assert.deepEqual([...tb.idsByLabel('tier', null)], []);
    assert.equal(tb.size, 2);
    assert.equal(tb.remove('t2'), undefined);
  });

  it('indexes names case-insensitively: Spec.Name, or a node hostname', () => {
    const svc = new ObjectTable('service');
    svc.put({ ...meta('a'), Spec: { Name: 'Web' } } as AnyObject);
    assert.deepEqual([...svc.idsByName('web')], ['a']);
    assert.deepEqual([...svc.idsByName('WEB')], ['a']);
    svc.put({ ...meta('a'), Spec: { Name: 'api' } } as AnyObject);
    assert.deepEqual([...svc.idsByName('web')], []);
    const nodes = new ObjectTable('node');
    nodes.put({ ...meta('n1'), Spec: {}, Description: { Hostname: 'host-a' } } as AnyObject);
    nodes.put({ ...meta('n2'), Spec: {}, Description: { Hostname: 'host-a' } } as AnyObject);
    assert.deepEqual([...nodes.idsByName('HOST-A')], ['n1', 'n2']);
  });

  it('find combines criteria and answers from the smallest index', () => {
    const tb = new ObjectTable('task');
    for (let i = 0; i < 50; i++)
      tb.put(t(`t${String(i).padStart(2, '0')}`, i % 2 ? 's1' : 's2', `n${i % 5}`, { i: String(i) }));
    const r = findInTable(tb, { serviceId: 's1', nodeId: 'n1', idPrefix: 't1' });
    assert.deepEqual(r.map((x) => x.ID).sort(), ['t11']);
    assert.equal(findInTable(tb, { labels: { i: '7' }, serviceId: 's1' }).length, 1);
    assert.equal(findInTable(tb, { labels: { i: '8' }, serviceId: 's1' }).length, 0);
    assert.equal(findInTable(tb, { ids: ['t01', 't02', 'zz'] }).length, 2);
    assert.equal(findInTable(tb, { where: (o) => (o as { Slot?: number }).Slot === undefined }).length, 50);
    assert.equal(findInTable(tb).length, 50);
  });
});
