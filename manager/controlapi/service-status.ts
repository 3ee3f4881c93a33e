/**
 * ServiceStatus for GET /services?status=true, counted from the tasks as swarmkit's
 * ListServiceStatuses does: running by observed state; desired from the mode (Replicas for
 * replicated, MaxConcurrent for replicated jobs, the tasks desired running for global, the
 * tasks desired complete that have not completed yet for global jobs). A job counts only the
 * tasks of its current iteration, and CompletedTasks is theirs that completed.
 */
import type { NodeObject, ServiceObject, TaskObject } from '../../src/api';

export interface ServiceStatus {
  RunningTasks: number;
  DesiredTasks: number;
  CompletedTasks: number;
}

/** Counts for `svc` from its tasks; tasks on down nodes are not running (Docker's ls agrees with ps). */
export function serviceStatus(
  svc: ServiceObject,
  tasks: readonly TaskObject[],
  nodeOf: (id: string) => NodeObject | undefined = () => undefined,
): ServiceStatus {
  const m = svc.Spec.Mode ?? {};
  const iteration = m.ReplicatedJob || m.GlobalJob ? (svc.JobStatus?.JobIteration.Index ?? 0) : undefined;
  let running = 0;
  let completed = 0;
  let desired = 0;
  for (const t of tasks) {
    if (iteration !== undefined) {
      if (t.JobIteration?.Index !== iteration) continue;
      if (t.Status.State === 'complete') completed++;
    }
    const nodeDown = t.NodeID ? nodeOf(t.NodeID)?.Status.State === 'down' : false;
    if (t.Status.State === 'running' && !nodeDown) running++;
    if (m.Global && t.DesiredState === 'running') desired++;
    if (m.GlobalJob && t.DesiredState === 'complete' && t.Status.State !== 'complete') desired++;
  }
  if (m.Replicated) desired = m.Replicated.Replicas ?? 1;
  else if (m.ReplicatedJob) desired = m.ReplicatedJob.MaxConcurrent ?? 1;
  return { RunningTasks: running, DesiredTasks: desired, CompletedTasks: completed };
}
