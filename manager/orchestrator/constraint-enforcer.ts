/**
 * ConstraintEnforcer: when a node changes, its live tasks whose Placement.Constraints it no
 * longer meets (a label removed, a role changed), or all of them if it is drained, get
 * DesiredState shutdown; the service's orchestrator then fills the slot elsewhere. Paused
 * nodes keep their tasks. Job tasks count while they have not ended.
 */
import type { NodeObject, TaskObject } from '../../src/api';
import type { ObjectEvent, ReadTx, WatchFilter } from '../../src/store';
import { matchConstraints } from './constraint-match';
import { ReconcileLoop, type ReconcileLoopOptions } from './reconcile-loop';
import { isDesiredActive, isDesiredLive, isTerminal } from './task-state';

export type ConstraintEnforcerOptions = ReconcileLoopOptions;

export class ConstraintEnforcer extends ReconcileLoop {
  private dirty = new Set<string>();

  constructor(opts: ConstraintEnforcerOptions) {
    super('constraintenforcer', opts);
  }

  protected override watchFilter(): WatchFilter {
    return { kinds: ['node'], actions: ['create', 'update'] };
  }

  protected override init(tx: ReadTx): void {
    for (const n of tx.find('node')) this.dirty.add(n.ID);
  }

  protected override onEvent(ev: ObjectEvent): void {
    if (ev.kind === 'node') this.dirty.add(ev.object.ID);
  }

  protected override async reconcile(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty = new Set();
    try {
      await this.store.update((tx) => {
        for (const id of ids) {
          const node = tx.get('node', id);
          if (!node) continue;
          for (const t of tx.find('task', { nodeId: id })) {
            // Job tasks (desired complete) that still run move too; finished ones stay as they are.
            const wanted =
              isDesiredLive(t.DesiredState) || (isDesiredActive(t.DesiredState) && !isTerminal(t.Status.State));
            if (!wanted || ConstraintEnforcer.fits(t, node)) continue;
            const next = structuredClone(t);
            next.DesiredState = 'shutdown';
            tx.update('task', next);
          }
        }
      });
    } catch (err) {
      for (const id of ids) this.dirty.add(id);
      throw err;
    }
  }

  /** Whether `node` may keep running `task`. */
  static fits(task: TaskObject, node: NodeObject): boolean {
    return node.Spec.Availability !== 'drain' && matchConstraints(task.Spec.Placement?.Constraints, node);
  }
}
