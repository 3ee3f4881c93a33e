import assert from 'node:assert/strict';
import { ShimGroups } from '../../../worker/engine/containers/shim-groups';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('shim groups', () => {
  /** Joins `id` and settles its task create at once: starts one after another. */
  function started(g: ShimGroups, id: string): string {
    const name = g.join(id);
    g.creating(id, Promise.resolve());
    return name;
  }
  const settle = () => new Promise((r) => setImmediate(r));

  it('puts up to size containers started one after another in one group, then opens the next', async () => {
    const g = new ShimGroups(2, 0);
    const names: string[] = [];
    for (const id of ['a', 'b', 'c']) {
      names.push(started(g, id));
      await settle();
    }
    assert.equal(names[0], names[1]);
    assert.notEqual(names[1], names[2]);
  });

  it('spreads creates in flight at once over up to `spread` groups, then over the least busy', async () => {
    const g = new ShimGroups(16, 0, 3);
    const names = ['a', 'b', 'c', 'd'].map((id) => g.join(id));
    assert.equal(new Set(names.slice(0, 3)).size, 3);
    const busy = deferred();
    g.creating('a', Promise.resolve());
    g.creating('b', busy.promise);
    g.creating('c', busy.promise);
    g.creating('d', busy.promise);
    await settle();
    // 'a' settled: its group is the only one with no create in flight.
    assert.equal(g.join('e'), names[0]);
    busy.resolve();
  });

  it('fills a group before a new one when no create is in flight', async () => {
    const g = new ShimGroups(16, 0, 4);
    const first = started(g, 'a');
    await settle();
    assert.equal(started(g, 'b'), first);
  });

  it('never reuses a group whose last member left', async () => {
    const g = new ShimGroups(4, 0);
    const first = started(g, 'a');
    await g.leave('a');
    assert.notEqual(g.join('b'), first);
  });

  it('gives a restarted daemon names no earlier daemon used', () => {
    assert.notEqual(new ShimGroups(4, 1000).join('a'), new ShimGroups(4, 2000).join('a'));
  });

  it('holds a task delete until the creates in flight in its group are done', async () => {
    const g = new ShimGroups(4, 0);
    started(g, 'a');
    await settle();
    g.join('b');
    const create = deferred();
    g.creating('b', create.promise);
    let left = false;
    const leaving = g.leave('a').then(() => (left = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(left, false);
    create.resolve();
    await leaving;
    assert.equal(left, true);
  });

  it('does not wait on a failed create, nor on a container that is not a member', async () => {
    const g = new ShimGroups(4, 0);
    g.join('a');
    g.join('b');
    g.creating('b', Promise.reject(new Error('runc failed')));
    await g.leave('a');
    await g.leave('unknown');
  });

  it('keeps a group open while a member remains', async () => {
    const g = new ShimGroups(4, 0);
    const name = started(g, 'a');
    await settle();
    started(g, 'b');
    await settle();
    await g.leave('a');
    assert.equal(g.join('c'), name);
  });

  it('takes members again into a full group once one leaves, before opening a new group', async () => {
    const g = new ShimGroups(2, 0, 1);
    const full = started(g, 'a');
    await settle();
    assert.equal(started(g, 'b'), full);
    await settle();
    const next = started(g, 'c');
    assert.notEqual(next, full);
    await settle();
    await g.leave('a');
    // the group of 'c' has room too and was opened later: the older group fills first
    assert.equal(started(g, 'd'), next);
    await settle();
    assert.equal(started(g, 'e'), full);
  });
});
