/**
 * One kind's objects and their indexes: by ID, by name (lowercased), by ID prefix, by label,
 * and for tasks by service and by node. put/remove keep every index in step; the table
 * itself checks nothing (uniqueness and versions are the batch applier's job).
 */
import { labelsOf, nameKey, nameOf, type AnyObject, type Kind } from './kinds';
import { SortedIds } from './sorted-ids';

type Multi = Map<string, Set<string>>;

function addTo(m: Multi, key: string, id: string): void {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  s.add(id);
}

function removeFrom(m: Multi, key: string, id: string): void {
  const s = m.get(key);
  if (!s) return;
  s.delete(id);
  if (s.size === 0) m.delete(key);
}

const EMPTY: ReadonlySet<string> = new Set();

export class ObjectTable {
  private readonly byId = new Map<string, AnyObject>();
  private readonly byName: Multi = new Map();
  private readonly prefix = new SortedIds();
  /** label key -> label value -> IDs */
  private readonly byLabel = new Map<string, Multi>();
  private readonly byService: Multi = new Map();
  private readonly byNode: Multi = new Map();

  constructor(readonly kind: Kind) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): AnyObject | undefined {
    return this.byId.get(id);
  }

  /** Inserts or replaces the object with this ID. */
  put(obj: AnyObject): void {
    const old = this.byId.get(obj.ID);
    // A replaced object keeps its ID, so the prefix index stays as it is: re-sorting it on
    // every update made bulk task updates quadratic.
    if (old) this.unindex(old, false);
    else this.prefix.add(obj.ID);
    this.byId.set(obj.ID, obj);
    this.index(obj);
  }

  remove(id: string): AnyObject | undefined {
    const old = this.byId.get(id);
    if (!old) return undefined;
    this.unindex(old, true);
    this.byId.delete(id);
    return old;
  }

  /** Objects in insertion order (deterministic: every replica applies the same entries). */
  values(): IterableIterator<AnyObject> {
    return this.byId.values();
  }

  idsByName(name: string): ReadonlySet<string> {
    return this.byName.get(nameKey(name)) ?? EMPTY;
  }

  idsByPrefix(prefix: string, limit?: number): string[] {
    return this.prefix.withPrefix(prefix, limit);
  }

  /** IDs with label `key`, with value `value` unless it is null. */
  idsByLabel(key: string, value: string | null): ReadonlySet<string> {
    const vals = this.byLabel.get(key);
    if (!vals) return EMPTY;
    if (value !== null) return vals.get(value) ?? EMPTY;
    const all = new Set<string>();
    for (const s of vals.values()) for (const id of s) all.add(id);
    return all;
  }

  idsByService(serviceId: string): ReadonlySet<string> {
    return this.byService.get(serviceId) ?? EMPTY;
  }

  idsByNode(nodeId: string): ReadonlySet<string> {
    return this.byNode.get(nodeId) ?? EMPTY;
  }

  /** Every index but the prefix one, which only an insert or a removal changes. */
  private index(o: AnyObject): void {
    const id = o.ID;
    const n = nameOf(this.kind, o);
    if (n !== undefined) addTo(this.byName, nameKey(n), id);
    const labels = labelsOf(this.kind, o);
    if (labels)
      for (const [k, v] of Object.entries(labels)) {
        let vals = this.byLabel.get(k);
        if (!vals) this.byLabel.set(k, (vals = new Map()));
        addTo(vals, String(v), id);
      }
    if (this.kind === 'task') {
      const t = o as { ServiceID?: string; NodeID?: string };
      if (t.ServiceID) addTo(this.byService, t.ServiceID, id);
      if (t.NodeID) addTo(this.byNode, t.NodeID, id);
    }
  }

  private unindex(o: AnyObject, removing: boolean): void {
    const id = o.ID;
    if (removing) this.prefix.delete(id);
    const n = nameOf(this.kind, o);
    if (n !== undefined) removeFrom(this.byName, nameKey(n), id);
    const labels = labelsOf(this.kind, o);
    if (labels)
      for (const [k, v] of Object.entries(labels)) {
        const vals = this.byLabel.get(k);
        if (!vals) continue;
        removeFrom(vals, String(v), id);
        if (vals.size === 0) this.byLabel.delete(k);
      }
    if (this.kind === 'task') {
      const t = o as { ServiceID?: string; NodeID?: string };
      if (t.ServiceID) removeFrom(this.byService, t.ServiceID, id);
      if (t.NodeID) removeFrom(this.byNode, t.NodeID, id);
    }
  }
}
