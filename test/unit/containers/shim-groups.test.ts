import assert from 'node:assert/strict';
import { ShimGroups } from '../../../worker/engine/containers/shim-groups';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('shim groups', () => {
  it('puts up to size containers in one group, then opens the next', () => {
    const g = new ShimGroups(2, 0);
    const names = ['a', 'b', 'c'].map((id) => g.join(id));
    assert.equal(names[0], names[1]);
    assert.notEqual(names[1], names[2]);
  });

  it('never reuses a group whose last member left', async () => {
    const g = new ShimGroups(4, 0);
    const first = g.join('a');
    await g.leave('a');
    assert.notEqual(g.join('b'), first);
  });

  it('gives a restarted daemon names no earlier daemon used', () => {
    assert.notEqual(new ShimGroups(4, 1000).join('a'), new ShimGroups(4, 2000).join('a'));
  });

  it('holds a task delete until the creates in flight in its group are done', async () => {
    const g = new ShimGroups(4, 0);
    g.join('a');
    g.creating('a', Promise.resolve());
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
    const name = g.join('a');
    g.join('b');
    await g.leave('a');
    assert.equal(g.join('c'), name);
  });
});
