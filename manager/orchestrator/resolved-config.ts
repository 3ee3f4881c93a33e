/**
 * Service settings with Docker's defaults filled in and durations in ms (the API stores
 * nanoseconds). Everything the orchestrators decide reads these, never the raw spec.
 */
import type { ClusterObject, RestartPolicy, ServiceObject, UpdateConfig } from '../../src/api';

export const DEFAULT_RESTART_DELAY_MS = 5000;
export const DEFAULT_MONITOR_MS = 5000;
export const DEFAULT_TASK_HISTORY = 5;

export interface ResolvedRestartPolicy {
  condition: 'none' | 'on-failure' | 'any';
  delayMs: number;
  /** 0 = unlimited. */
  maxAttempts: number;
  /** 0 = attempts are counted over the whole life of the slot. */
  windowMs: number;
}

export interface ResolvedUpdateConfig {
  /** Slots replaced at once; Infinity for Docker's 0. */
  parallelism: number;
  delayMs: number;
  failureAction: 'pause' | 'continue' | 'rollback';
  monitorMs: number;
  maxFailureRatio: number;
  order: 'stop-first' | 'start-first';
}

const nsToMs = (ns: number | undefined, dflt: number) =>
  ns === undefined || ns === null ? dflt : Math.max(0, ns / 1e6);

export function resolveRestartPolicy(p: RestartPolicy | undefined): ResolvedRestartPolicy {
  return {
    condition: p?.Condition ?? 'any',
    delayMs: nsToMs(p?.Delay, DEFAULT_RESTART_DELAY_MS),
    maxAttempts: p?.MaxAttempts ?? 0,
    windowMs: nsToMs(p?.Window, 0),
  };
}

export function resolveUpdateConfig(c: UpdateConfig | undefined): ResolvedUpdateConfig {
  const par = c?.Parallelism ?? 1;
  return {
    parallelism: par === 0 ? Infinity : par,
    delayMs: nsToMs(c?.Delay, 0),
    failureAction: c?.FailureAction ?? 'pause',
    // Docker's zero Monitor means "the default", as swarmkit's defaults overlay does.
    monitorMs: c?.Monitor ? nsToMs(c.Monitor, DEFAULT_MONITOR_MS) : DEFAULT_MONITOR_MS,
    maxFailureRatio: c?.MaxFailureRatio ?? 0,
    order: c?.Order ?? 'stop-first',
  };
}

/** The config an update runs with: RollbackConfig while rolling back, UpdateConfig otherwise. */
export function updateConfigOf(service: ServiceObject): ResolvedUpdateConfig {
  const rolling = service.UpdateStatus?.State === 'rollback_started';
  return resolveUpdateConfig(rolling ? service.Spec.RollbackConfig : service.Spec.UpdateConfig);
}

/** Cluster Spec.Orchestration.TaskHistoryRetentionLimit (default 5; negative keeps everything). */
export function taskHistoryLimit(cluster: ClusterObject | undefined): number {
  return cluster?.Spec.Orchestration?.TaskHistoryRetentionLimit ?? DEFAULT_TASK_HISTORY;
}

export interface ResolvedReplicatedJob {
  maxConcurrent: number;
  totalCompletions: number;
}

/** Mode.ReplicatedJob with Docker's defaults: MaxConcurrent 1, TotalCompletions = MaxConcurrent. */
export function resolveReplicatedJob(j: { MaxConcurrent?: number; TotalCompletions?: number }): ResolvedReplicatedJob {
  const maxConcurrent = j.MaxConcurrent ?? 1;
  return { maxConcurrent, totalCompletions: j.TotalCompletions ?? maxConcurrent };
}
