/**
 * A task is dirty when its Spec is not the service's current TaskTemplate (an image change,
 * a ForceUpdate bump, ...): the update supervisor replaces dirty tasks, and the restart
 * supervisor never revives one.
 */
import type { ServiceObject, TaskObject } from '../../src/api';
import { canonicalJson } from './canonical-json';

export function isTaskDirty(service: ServiceObject, task: TaskObject): boolean {
  return canonicalJson(task.Spec) !== canonicalJson(service.Spec.TaskTemplate);
}
