/**
 * Pipeline: the filters in Docker's order (ready, resources, constraints, platform, host ports,
 * max replicas; swarmkit's plugin and CSI volume filters are not here). process() stops at the
 * first filter a node fails and counts that failure; a node that passes clears the counts, so
 * explain() describes the nodes refused since the last one accepted (swarmkit's semantics).
 */
import { ConstraintFilter } from './constraint-filter';
import type { Filter } from './filter';
import { HostPortFilter } from './host-port-filter';
import { MaxReplicasFilter } from './max-replicas-filter';
import type { NodeInfo } from './node-info';
import { PlatformFilter } from './platform-filter';
import { ReadyFilter } from './ready-filter';
import { ResourceFilter } from './resource-filter';
import type { TaskDemand } from './task-demand';

/** A new set of the default filters, in the order they are checked. */
export function defaultFilters(): Filter[] {
  return [
    new ReadyFilter(),
    new ResourceFilter(),
    new ConstraintFilter(),
    new PlatformFilter(),
    new HostPortFilter(),
    new MaxReplicasFilter(),
  ];
}

export class Pipeline {
  private readonly filters: Filter[];
  private enabled: Filter[] = [];
  private enabledAt: number[] = [];
  private readonly failures: number[];
  private dirty = false;

  constructor(filters: Filter[] = defaultFilters()) {
    this.filters = filters;
    this.failures = filters.map(() => 0);
  }

  /** Points every filter at `d` and clears the failure counts. */
  setTask(d: TaskDemand): void {
    this.enabledAt = [];
    this.filters.forEach((f, i) => f.setTask(d) && this.enabledAt.push(i));
    this.enabled = this.enabledAt.map((i) => this.filters[i]!);
    this.failures.fill(0);
    this.dirty = false;
  }

  /** Whether node `n` passes every enabled filter. */
  process(n: NodeInfo): boolean {
    const en = this.enabled;
    for (let i = 0; i < en.length; i++) {
      if (!en[i]!.check(n)) {
        this.failures[this.enabledAt[i]!]!++;
        this.dirty = true;
        return false;
      }
    }
    if (this.dirty) {
      this.failures.fill(0);
      this.dirty = false;
    }
    return true;
  }

  /** The reasons, most refusals first, joined with "; " (empty when nothing refused). */
  explain(): string {
    return this.filters
      .map((f, i) => ({ f, n: this.failures[i]! }))
      .filter((x) => x.n > 0)
      .sort((a, b) => b.n - a.n)
      .map((x) => x.f.explain(x.n))
      .join('; ');
  }
}
