/**
 * DecisionTree: nodes grouped by placement preferences. Each Spread preference is one level;
 * a node goes down the branch of its value for that level's label (nodes without the label
 * share the "" branch, so the shape does not depend on scan order). Every level counts the
 * service's active tasks below it, feasible nodes or not, and each leaf keeps its best
 * candidate nodes. Descriptors other than node.labels.* and engine.labels.* add no level, as
 * in swarmkit.
 */
import type { NodeObject, Placement } from '../../src/api';
import { ENGINE_LABEL_PREFIX, NODE_LABEL_PREFIX } from './constraint';
import { BoundedNodeHeap } from './node-heap';
import type { NodeInfo } from './node-info';
import type { NodeCompare } from './node-order';

type Preferences = Placement['Preferences'];
type ValueOf = (n: NodeObject) => string;

export class DecisionTree {
  /** Active tasks of the service on the nodes below. */
  tasks = 0;
  /** Branches by label value, in key order; undefined for a leaf. */
  next: Map<string, DecisionTree> | undefined;
  heap: BoundedNodeHeap | undefined;
  private sorted: NodeInfo[] | undefined;

  /**
   * The leaf's candidates, best first. Later calls check the candidates again (placements
   * since the last call may have made some infeasible) and sort them anew.
   */
  orderedNodes(meets: (n: NodeInfo) => boolean, cmp: NodeCompare): NodeInfo[] {
    const nodes = this.sorted ? this.sorted.filter(meets) : (this.heap?.nodes ?? []).slice();
    nodes.sort(cmp);
    this.sorted = nodes;
    return nodes;
  }

  /** The branches, in the order of their label values. */
  branches(): DecisionTree[] {
    if (!this.next) return [];
    return [...this.next.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  }
}

function levelValue(descriptor: string): ValueOf | undefined {
  const d = descriptor.toLowerCase();
  if (d.length > NODE_LABEL_PREFIX.length && d.startsWith(NODE_LABEL_PREFIX)) {
    const label = descriptor.slice(NODE_LABEL_PREFIX.length);
    return (n) => n.Spec.Labels?.[label] ?? '';
  }
  if (d.length > ENGINE_LABEL_PREFIX.length && d.startsWith(ENGINE_LABEL_PREFIX)) {
    const label = descriptor.slice(ENGINE_LABEL_PREFIX.length);
    return (n) => n.Description?.Engine?.Labels?.[label] ?? '';
  }
  return undefined;
}

/**
 * The tree for placing up to `maxAssignments` tasks of `serviceId`: each leaf holds at most
 * that many of its feasible nodes (`meets`), the best by `cmp`.
 */
export function buildTree(
  nodes: Iterable<NodeInfo>,
  serviceId: string,
  preferences: Preferences,
  maxAssignments: number,
  meets: (n: NodeInfo) => boolean,
  cmp: NodeCompare,
  /** Called on each node before it is counted or compared: loads its rank fields (rankServiceTasks is then used as its task count). */
  visit?: (n: NodeInfo) => void,
): DecisionTree {
  const root = new DecisionTree();
  if (maxAssignments <= 0) return root;
  const levels: ValueOf[] = [];
  for (const p of preferences ?? []) {
    const v = p?.Spread ? levelValue(p.Spread.SpreadDescriptor ?? '') : undefined;
    if (v) levels.push(v);
  }
  for (const n of nodes) {
    let own: number;
    if (visit) {
      visit(n);
      own = n.rankServiceTasks;
    } else own = n.serviceTasks(serviceId);
    let tree = root;
    for (const valueOf of levels) {
      tree.tasks += own;
      tree.next ??= new Map();
      const value = valueOf(n.node);
      let sub = tree.next.get(value);
      if (!sub) tree.next.set(value, (sub = new DecisionTree()));
      tree = sub;
    }
    tree.tasks += own;
    tree.heap ??= new BoundedNodeHeap(maxAssignments, cmp);
    if (tree.heap.wants(n) && meets(n)) tree.heap.push(n);
  }
  return root;
}
