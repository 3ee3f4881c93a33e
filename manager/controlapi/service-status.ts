/**
 * ServiceStatus for GET /services?status=true, counted from the tasks as swarmkit's
 * ListServiceStatuses does: running and completed by observed state; desired from the mode
 * (Replicas for replicated, the live tasks for global, the remaining completions for jobs).
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
  let running = 0;
  let completed = 0;
  let desiredRunning = 0;
  for (const t of tasks) {
    const nodeDown = t.NodeID ? nodeOf(t.NodeID)?.Status.State === 'down' : false;
    if (t.Status.State === 'running' && !nodeDown) running++;
    if (t.Status.State === 'complete') completed++;
    if (t.DesiredState === 'running') desiredRunning++;
  }
  const m = svc.Spec.Mode ?? {};
  let desired = desiredRunning;
  if (m.Replicated) desired = m.Replicated.Replicas ?? 1;
  else if (m.ReplicatedJob) {
    const total = m.ReplicatedJob.TotalCompletions ?? m.ReplicatedJob.MaxConcurrent ?? 1;
    desired = Math.min(m.ReplicatedJob.MaxConcurrent ?? 1, Math.max(0, total - completed));
  }
  return { RunningTasks: running, DesiredTasks: desired, CompletedTasks: completed };
}
