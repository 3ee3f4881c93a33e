import assert from 'node:assert/strict';
import { BoundedNodeHeap } from '../../../manager/scheduler/node-heap';
import { NodeInfo } from '../../../manager/scheduler/node-info';
import { compareRanked } from '../../../manager/scheduler/node-order';
import { node } from './fixtures';

/** A seeded generator, so that a failure names its case. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('scheduler: BoundedNodeHeap', () => {
  it('keeps exactly the best `limit` nodes offered, below, at and above the limit', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const count = 1 + Math.floor(r() * 40);
      const limit = 1 + Math.floor(r() * 30);
      const infos = Array.from({ length: count }, (_, i) => {
        const n = new NodeInfo(node(`n${String(i).padStart(3, '0')}`));
        n.rankServiceTasks = Math.floor(r() * 4);
        n.activeTasksCount = Math.floor(r() * 4);
        return n;
      });
      const heap = new BoundedNodeHeap(limit, compareRanked);
      for (const n of infos) if (heap.wants(n)) heap.push(n);
      const best = [...infos].sort(compareRanked).slice(0, limit);
      assert.deepEqual(
        [...heap.nodes].sort(compareRanked).map((n) => n.id),
        best.map((n) => n.id),
        `seed ${seed}: ${count} nodes, limit ${limit}`,
      );
    }
  });
});
