/**
 * ReadyFilter: the node is up (Status.State ready) and takes new tasks (Spec.Availability
 * active; pause and drain refuse them). One filter for both, as swarmkit's, so the reason
 * counts every such node once.
 */
import { countNodes, type Filter } from './filter';
import type { NodeInfo } from './node-info';

export class ReadyFilter implements Filter {
  setTask(): boolean {
    return true;
  }

  check(n: NodeInfo): boolean {
    return n.node.Status.State === 'ready' && n.node.Spec.Availability === 'active';
  }

  explain(nodes: number): string {
    return `${countNodes(nodes)} not available for new tasks`;
  }
}
