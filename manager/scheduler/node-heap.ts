/**
 * BoundedNodeHeap: keeps the `limit` best nodes offered (a max-heap on the order, so the worst
 * kept node is at the top and is the one displaced). A group of k tasks never needs more than
 * k candidate nodes per branch.
 */
import type { NodeInfo } from './node-info';
import type { NodeCompare } from './node-order';

export class BoundedNodeHeap {
  readonly nodes: NodeInfo[] = [];

  constructor(
    private readonly limit: number,
    private readonly cmp: NodeCompare,
  ) {}

  /** Whether `n` would be kept: there is room, or it ranks before the worst kept node. */
  wants(n: NodeInfo): boolean {
    return this.nodes.length < this.limit || this.cmp(n, this.nodes[0]!) < 0;
  }

  /**
   * Keeps `n` (call only after wants(n)). Below the limit nodes are only appended: the heap
   * order matters once one must be displaced, so it is built when the limit is reached. A leaf
   * that never fills (fewer nodes than tasks to place, the usual case) costs no comparison here.
   */
  push(n: NodeInfo): void {
    const h = this.nodes;
    if (h.length < this.limit) {
      h.push(n);
      if (h.length === this.limit) for (let i = (h.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
      return;
    }
    h[0] = n;
    this.siftDown(0);
  }

  private siftDown(from: number): void {
    const h = this.nodes;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.cmp(h[l]!, h[m]!) > 0) m = l;
      if (r < h.length && this.cmp(h[r]!, h[m]!) > 0) m = r;
      if (m === i) return;
      const t = h[i]!;
      h[i] = h[m]!;
      h[m] = t;
      i = m;
    }
  }
}
