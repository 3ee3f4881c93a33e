/**
 * What sets job services (Mode.ReplicatedJob, Mode.GlobalJob) apart, as swarmkit has it: their
 * tasks run to completion (DesiredState complete), carry the service's JobIteration, and only
 * a failure is retried (RestartPolicy condition any reads as on-failure).
 */
import type { ServiceObject, TaskObject, TaskState } from '../../src/api';
import type { WriteTx } from '../../src/store';
import { isDesiredActive } from './task-state';

/** Whether `service` runs as a job. */
export function isJob(service: Pick<ServiceObject, 'Spec'>): boolean {
  const m = service.Spec.Mode;
  return m?.ReplicatedJob !== undefined || m?.GlobalJob !== undefined;
}

/** The iteration the job runs now (0 until the control API has written JobStatus). */
export function jobIteration(service: Pick<ServiceObject, 'JobStatus'>): number {
  return service.JobStatus?.JobIteration.Index ?? 0;
}

/** Whether `task` belongs to the iteration `service` runs now. */
export function inIteration(task: TaskObject, service: Pick<ServiceObject, 'JobStatus'>): boolean {
  return task.JobIteration?.Index === jobIteration(service);
}

/** The DesiredState a started task of `service` gets: complete for jobs, running otherwise. */
export function runState(service: Pick<ServiceObject, 'Spec'>): TaskState {
  return isJob(service) ? 'complete' : 'running';
}

/** Tasks of earlier (or later) iterations that are still wanted: DesiredState shutdown. */
export function shutDownOtherIterations(tx: WriteTx, service: ServiceObject): void {
  for (const t of tx.find('task', { serviceId: service.ID })) {
    if (inIteration(t, service) || !isDesiredActive(t.DesiredState)) continue;
    const next = structuredClone(t);
    next.DesiredState = 'shutdown';
    tx.update('task', next);
  }
}
