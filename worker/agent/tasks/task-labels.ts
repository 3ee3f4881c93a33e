import type { Labels } from '../../../src/api';
import type { AssignedTask } from './assigned-task';
import { taskContainerName, taskServiceName } from './task-container-name';

/** The label that ties a container to its task; re-adoption finds containers by it. */
export const TASK_ID_LABEL = 'com.docker.swarm.task.id';
export const STACK_NAMESPACE_LABEL = 'com.docker.stack.namespace';

/**
 * The labels of a task's container, as Docker sets them: the ContainerSpec's labels, the
 * stack namespace when the service has one, then com.docker.swarm.* (which the spec cannot
 * override, since the agent relies on them).
 */
export function taskLabels(task: AssignedTask, nodeId: string): Labels {
  const out: Labels = { ...(task.Spec.ContainerSpec?.Labels ?? {}) };
  const ns = task.ServiceAnnotations?.Labels?.[STACK_NAMESPACE_LABEL];
  if (ns !== undefined && out[STACK_NAMESPACE_LABEL] === undefined) out[STACK_NAMESPACE_LABEL] = ns;
  Object.assign(out, {
    'com.docker.swarm.node.id': task.NodeID || nodeId,
    'com.docker.swarm.service.id': task.ServiceID,
    'com.docker.swarm.service.name': taskServiceName(task),
    'com.docker.swarm.task': '',
    [TASK_ID_LABEL]: task.ID,
    'com.docker.swarm.task.name': taskContainerName(task),
  });
  return out;
}
