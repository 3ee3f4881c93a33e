/** The cluster spec a new swarm starts with: Docker's defaults, overlaid by what init asked. */
import type { SwarmSpec } from '../src/api';

/** Docker's default heartbeat period, 5 s in nanoseconds. */
export const DEFAULT_HEARTBEAT_PERIOD_NS = 5_000_000_000;

export function defaultSwarmSpec(): SwarmSpec {
  return {
    Name: 'default',
    Labels: {},
    Orchestration: { TaskHistoryRetentionLimit: 5 },
    Raft: {
      SnapshotInterval: 10000,
      KeepOldSnapshots: 0,
      LogEntriesForSlowFollowers: 500,
      ElectionTick: 10,
      HeartbeatTick: 1,
    },
    Dispatcher: { HeartbeatPeriod: DEFAULT_HEARTBEAT_PERIOD_NS },
    CAConfig: { NodeCertExpiry: 7776000000000000 },
    TaskDefaults: {},
    EncryptionConfig: { AutoLockManagers: false },
  };
}

/**
 * `base` with the fields `patch` sets replaced, one level deep per section (what Docker's
 * init does with a partial Spec: zero fields keep the defaults).
 */
export function mergeSwarmSpec(base: SwarmSpec, patch: SwarmSpec | undefined): SwarmSpec {
  if (!patch) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === null) continue;
    const cur = out[k];
    if (typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && k !== 'Labels') {
      const merged: Record<string, unknown> = { ...(cur as object) };
      for (const [k2, v2] of Object.entries(v)) if (v2 !== undefined && v2 !== null && v2 !== 0) merged[k2] = v2;
      out[k] = merged;
    } else if (v !== '' || k !== 'Name') out[k] = v;
  }
  return out as SwarmSpec;
}

/** The heartbeat period of a spec, in ms (default 5000). */
export function heartbeatPeriodMs(spec: SwarmSpec | undefined): number {
  const ns = spec?.Dispatcher?.HeartbeatPeriod;
  return ns && ns > 0 ? Math.max(100, Math.round(ns / 1e6)) : DEFAULT_HEARTBEAT_PERIOD_NS / 1e6;
}
