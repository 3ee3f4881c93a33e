/** What makes a node fit to run (or keep) a service's tasks. */
import type { NodeObject, ServiceObject } from '../../src/api';
import { matchConstraints } from './constraint-match';

/** swarmkit's InvalidNode: gone, down, or drained. Tasks there must move. */
export function isInvalidNode(node: NodeObject | undefined): boolean {
  return !node || node.Status.State === 'down' || node.Spec.Availability === 'drain';
}

/** A node that may get a new global task: ready, active (not paused or drained), constraints met. */
export function acceptsNewTasks(node: NodeObject, service: ServiceObject): boolean {
  return (
    node.Status.State === 'ready' &&
    node.Spec.Availability === 'active' &&
    matchConstraints(service.Spec.TaskTemplate.Placement?.Constraints, node)
  );
}

/** A node that may keep a service's task: not invalid and its constraints still met. */
export function keepsTasks(node: NodeObject | undefined, service: ServiceObject): boolean {
  return !isInvalidNode(node) && matchConstraints(service.Spec.TaskTemplate.Placement?.Constraints, node!);
}
