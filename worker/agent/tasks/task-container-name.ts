import type { AssignedTask } from './assigned-task';

/** The service's name, or its ID when the assignment does not carry the name. */
export function taskServiceName(task: AssignedTask): string {
  return task.ServiceAnnotations?.Name || task.ServiceID;
}

/**
 * Docker's name of a task and of its container: <service>.<slot>.<task id> for replicated
 * services, <service>.<node id>.<task id> for global ones (they have no slot).
 */
export function taskContainerName(task: AssignedTask): string {
  const mid = task.Slot ? String(task.Slot) : task.NodeID || '0';
  return `${taskServiceName(task)}.${mid}.${task.ID}`;
}
