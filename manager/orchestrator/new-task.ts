/**
 * The task a service's orchestrator creates for a slot (replicated) or a node (global), as
 * swarmkit's NewTask: Spec is the service's TaskTemplate, Status new/"created", DesiredState
 * running (complete for jobs, which also get the service's JobIteration), no Name (clients
 * derive name.slot).
 */
import type { ServiceObject, TaskObject, TaskState } from '../../src/api';
import { newObjectId, type NewObject } from '../../src/store';
import { isJob, jobIteration, runState } from './job-mode';

export interface NewTaskPlace {
  /** Replicated services: the slot number, from 1 (from 0 for replicated jobs). */
  slot?: number;
  /** Global services: the node, set at once (no scheduling). */
  nodeId?: string;
}

export function newTask(
  service: ServiceObject,
  place: NewTaskPlace,
  nowMs: number,
  desiredState: TaskState = runState(service),
): NewObject<'task'> & { ID: string } {
  const t: NewObject<'task'> & { ID: string } = {
    ID: newObjectId(),
    Labels: {},
    Spec: structuredClone(service.Spec.TaskTemplate),
    ServiceID: service.ID,
    ServiceAnnotations: { Name: service.Spec.Name, Labels: { ...(service.Spec.Labels ?? {}) } },
    SpecVersion: { Index: (service.SpecVersion ?? service.Version).Index },
    Status: { Timestamp: new Date(nowMs).toISOString(), State: 'new', Message: 'created' },
    DesiredState: desiredState,
  };
  if (isJob(service)) t.JobIteration = { Index: jobIteration(service) };
  if (place.slot !== undefined) t.Slot = place.slot;
  if (place.nodeId !== undefined) t.NodeID = place.nodeId;
  return t;
}

/** The key of a task's instance: its slot for replicated tasks, its node for global ones. */
export function instanceKey(t: Pick<TaskObject, 'ServiceID' | 'Slot' | 'NodeID'>): string {
  // Slot 0 is a replicated job's first (swarmkit numbers job slots from 0).
  return t.Slot !== undefined ? `${t.ServiceID}/slot/${t.Slot}` : `${t.ServiceID}/node/${t.NodeID ?? ''}`;
}
