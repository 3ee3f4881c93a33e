/**
 * A sorted set of IDs for prefix lookups: insert and remove by binary search, a prefix is a
 * contiguous range. Splicing an array of a few hundred thousand strings is a memmove, cheaper
 * in practice than a trie's allocations.
 */
export class SortedIds {
  private readonly ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  add(id: string): void {
    const i = this.lowerBound(id);
    if (this.ids[i] !== id) this.ids.splice(i, 0, id);
  }

  delete(id: string): void {
    const i = this.lowerBound(id);
    if (this.ids[i] === id) this.ids.splice(i, 1);
  }

  /** IDs starting with `prefix`, in sorted order, at most `limit` of them. */
  withPrefix(prefix: string, limit = Infinity): string[] {
    const out: string[] = [];
    for (let i = this.lowerBound(prefix); i < this.ids.length && out.length < limit; i++) {
      if (!this.ids[i].startsWith(prefix)) break;
      out.push(this.ids[i]);
    }
    return out;
  }

  /** Every ID in sorted order (a copy). */
  all(): string[] {
    return this.ids.slice();
  }

  private lowerBound(s: string): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid] < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
