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

  /** Keeps `n` (call only after wants(n)). */
  push(n: NodeInfo): void {
    const h = this.nodes;
    if (h.length < this.limit) {
      h.push(n);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.cmp(h[i]!, h[p]!) <= 0) break;
        [h[i], h[p]] = [h[p]!, h[i]!];
        i = p;
      }
      return;
    }
    h[0] = n;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.cmp(h[l]!, h[m]!) > 0) m = l;
      if (r < h.length && this.cmp(h[r]!, h[m]!) > 0) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
