/**
 * `service create` and `service update` flags into a ServiceSpec, as the docker CLI builds
 * it: create starts from the body docker sends (Labels {}, Resources {Limits, Reservations},
 * Placement {}, Runtime "container", EndpointSpec vip); update edits the spec read back from
 * the daemon with the -add/-rm flags and the scalar ones, and bumps ForceUpdate on --force.
 * Job modes as docker has them: --replicas is a replicated job's TotalCompletions,
 * --max-concurrent its MaxConcurrent (default: --replicas), and jobs get no update or
 * rollback config.
 */
import type { ServiceSpec, TaskSpec, UpdateConfig } from '../src/api';
import { parseDuration } from './commands/swarm';
import { applyHealthFlags, type HealthFlags } from './health-flags';
import {
  parseBytes,
  parseConfigRef,
  parseCpus,
  parseMount,
  parsePlacementPref,
  parsePublish,
  parseSecretRef,
  toLabels,
} from './service-flag-parsers';

/** Flags both commands take (commander's camelCase names). */
export interface CommonServiceFlags extends HealthFlags {
  replicas?: string;
  maxConcurrent?: string;
  restartCondition?: string;
  restartDelay?: string;
  restartMaxAttempts?: string;
  restartWindow?: string;
  updateParallelism?: string;
  updateDelay?: string;
  updateFailureAction?: string;
  updateOrder?: string;
  updateMonitor?: string;
  updateMaxFailureRatio?: string;
  rollbackParallelism?: string;
  rollbackDelay?: string;
  rollbackFailureAction?: string;
  rollbackOrder?: string;
  rollbackMonitor?: string;
  rollbackMaxFailureRatio?: string;
  limitCpu?: string;
  limitMemory?: string;
  reserveCpu?: string;
  reserveMemory?: string;
  stopGracePeriod?: string;
  stopSignal?: string;
  user?: string;
  workdir?: string;
  hostname?: string;
  entrypoint?: string;
  maxReplicas?: string;
}

export interface CreateServiceFlags extends CommonServiceFlags {
  name?: string;
  mode?: string;
  env?: string[];
  label?: string[];
  containerLabel?: string[];
  constraint?: string[];
  placementPref?: string[];
  publish?: string[];
  mount?: string[];
  secret?: string[];
  config?: string[];
  network?: string[];
}

export interface UpdateServiceFlags extends CommonServiceFlags {
  image?: string;
  args?: string;
  force?: boolean;
  envAdd?: string[];
  envRm?: string[];
  labelAdd?: string[];
  labelRm?: string[];
  containerLabelAdd?: string[];
  containerLabelRm?: string[];
  constraintAdd?: string[];
  constraintRm?: string[];
  placementPrefAdd?: string[];
  placementPrefRm?: string[];
  publishAdd?: string[];
  publishRm?: string[];
  secretAdd?: string[];
  secretRm?: string[];
  configAdd?: string[];
  configRm?: string[];
  mountAdd?: string[];
  mountRm?: string[];
  networkAdd?: string[];
  networkRm?: string[];
}

function uint(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid argument "${v}" for "--${flag}" flag`);
  return n;
}

function applyUpdateConfig(cur: UpdateConfig | undefined, f: CommonServiceFlags, p: 'update' | 'rollback') {
  const get = (k: string) => (f as Record<string, string | undefined>)[`${p}${k}`];
  const keys = ['Parallelism', 'Delay', 'FailureAction', 'Order', 'Monitor', 'MaxFailureRatio'];
  if (!keys.some((k) => get(k) !== undefined)) return cur;
  const u: UpdateConfig = { ...(cur ?? {}) };
  if (get('Parallelism') !== undefined) u.Parallelism = uint(get('Parallelism')!, `${p}-parallelism`);
  if (get('Delay') !== undefined) u.Delay = parseDuration(get('Delay')!);
  if (get('Monitor') !== undefined) u.Monitor = parseDuration(get('Monitor')!);
  if (get('FailureAction') !== undefined) u.FailureAction = get('FailureAction') as UpdateConfig['FailureAction'];
  if (get('Order') !== undefined) u.Order = get('Order') as UpdateConfig['Order'];
  if (get('MaxFailureRatio') !== undefined) u.MaxFailureRatio = Number(get('MaxFailureRatio'));
  return u;
}

/** The flags both commands share, applied to `s` in place. */
function applyCommon(s: ServiceSpec, f: CommonServiceFlags): void {
  const t = s.TaskTemplate;
  const c = (t.ContainerSpec ??= {});
  const m = s.Mode ?? {};
  if (f.replicas !== undefined) {
    const n = uint(f.replicas, 'replicas');
    if (m.Replicated) m.Replicated.Replicas = n;
    else if (m.ReplicatedJob) m.ReplicatedJob.TotalCompletions = n;
    else throw new Error('replicas can only be used with replicated or replicated-job mode');
  }
  if (f.maxConcurrent !== undefined) {
    if (!m.ReplicatedJob) throw new Error('max-concurrent can only be used with replicated-job mode');
    m.ReplicatedJob.MaxConcurrent = uint(f.maxConcurrent, 'max-concurrent');
  }
  if (f.restartCondition || f.restartDelay || f.restartMaxAttempts || f.restartWindow) {
    const rp = (t.RestartPolicy = { ...(t.RestartPolicy ?? {}) });
    if (f.restartCondition) rp.Condition = f.restartCondition as 'none' | 'on-failure' | 'any';
    if (f.restartDelay) rp.Delay = parseDuration(f.restartDelay);
    if (f.restartMaxAttempts) rp.MaxAttempts = uint(f.restartMaxAttempts, 'restart-max-attempts');
    if (f.restartWindow) rp.Window = parseDuration(f.restartWindow);
  }
  // A job's new spec is a new run, never a rolling update: docker leaves these out for jobs.
  if (!m.ReplicatedJob && !m.GlobalJob) {
    const uc = applyUpdateConfig(s.UpdateConfig, f, 'update');
    if (uc) s.UpdateConfig = uc;
    const rc = applyUpdateConfig(s.RollbackConfig, f, 'rollback');
    if (rc) s.RollbackConfig = rc;
  }
  const res = (t.Resources ??= {});
  res.Limits ??= {};
  res.Reservations ??= {};
  if (f.limitCpu) res.Limits.NanoCPUs = parseCpus(f.limitCpu);
  if (f.limitMemory) res.Limits.MemoryBytes = parseBytes(f.limitMemory);
  if (f.reserveCpu) res.Reservations.NanoCPUs = parseCpus(f.reserveCpu);
  if (f.reserveMemory) res.Reservations.MemoryBytes = parseBytes(f.reserveMemory);
  if (f.maxReplicas) (t.Placement ??= {}).MaxReplicas = uint(f.maxReplicas, 'replicas-max-per-node');
  if (f.stopGracePeriod) c.StopGracePeriod = parseDuration(f.stopGracePeriod);
  if (f.stopSignal) c.StopSignal = f.stopSignal;
  const hc = applyHealthFlags(c.Healthcheck, f);
  if (hc) c.Healthcheck = hc;
  if (f.user !== undefined) c.User = f.user;
  if (f.workdir !== undefined) c.Dir = f.workdir;
  if (f.hostname !== undefined) c.Hostname = f.hostname;
  if (f.entrypoint !== undefined) c.Command = f.entrypoint.split(/\s+/).filter(Boolean);
}

/** The body of POST /services/create for `service create [flags] IMAGE [ARG...]`. */
export function buildServiceSpec(image: string, args: string[], f: CreateServiceFlags): ServiceSpec {
  const mode = f.mode ?? 'replicated';
  const modes: Record<string, ServiceSpec['Mode']> = {
    replicated: { Replicated: { Replicas: 1 } },
    global: { Global: {} },
    // MaxConcurrent defaults to --replicas, as docker's; both left out get the daemon's 1.
    'replicated-job': {
      ReplicatedJob:
        f.maxConcurrent === undefined && f.replicas !== undefined
          ? { MaxConcurrent: uint(f.replicas, 'replicas') }
          : {},
    },
    'global-job': { GlobalJob: {} },
  };
  if (!Object.hasOwn(modes, mode)) throw new Error(`invalid mode: ${mode}`);
  const task: TaskSpec = {
    ContainerSpec: {
      Image: image,
      Labels: toLabels(f.containerLabel),
      ...(args.length ? { Args: args } : {}),
      ...(f.env?.length ? { Env: f.env } : {}),
      ...(f.mount?.length ? { Mounts: f.mount.map(parseMount) } : {}),
      ...(f.secret?.length ? { Secrets: f.secret.map(parseSecretRef) } : {}),
      ...(f.config?.length ? { Configs: f.config.map(parseConfigRef) } : {}),
      Init: false,
      DNSConfig: {},
    },
    Resources: { Limits: {}, Reservations: {} },
    Placement: {
      ...(f.constraint?.length ? { Constraints: f.constraint } : {}),
      ...(f.placementPref?.length ? { Preferences: f.placementPref.map(parsePlacementPref) } : {}),
    },
    ...(f.network?.length ? { Networks: f.network.map((n) => ({ Target: n })) } : {}),
    ForceUpdate: 0,
    Runtime: 'container',
  };
  const s: ServiceSpec = {
    Name: f.name ?? '',
    Labels: toLabels(f.label),
    TaskTemplate: task,
    Mode: modes[mode],
    EndpointSpec: { Mode: 'vip', ...(f.publish?.length ? { Ports: f.publish.map(parsePublish) } : {}) },
  };
  applyCommon(s, f);
  if (f.replicas === undefined && s.Mode?.Replicated) s.Mode.Replicated = {};
  return s;
}

const envKey = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
const portKey = (p: { TargetPort?: number; Protocol?: string }) => `${p.TargetPort}/${p.Protocol ?? 'tcp'}`;

/** `service update` flags applied to the spec read back from the daemon; `cur` is not changed. */
export function applyServiceUpdate(cur: ServiceSpec, f: UpdateServiceFlags): ServiceSpec {
  const s = structuredClone(cur);
  const t = s.TaskTemplate;
  const c = (t.ContainerSpec ??= {});
  if (f.image) c.Image = f.image;
  if (f.args !== undefined) c.Args = f.args.split(/\s+/).filter(Boolean);
  if (f.envAdd?.length || f.envRm?.length) {
    const rm = new Set([...(f.envRm ?? []), ...(f.envAdd ?? []).map(envKey)].map(envKey));
    c.Env = [...(c.Env ?? []).filter((e) => !rm.has(envKey(e))), ...(f.envAdd ?? [])];
  }
  if (f.labelAdd?.length || f.labelRm?.length) {
    const l = { ...(s.Labels ?? {}) };
    for (const k of f.labelRm ?? []) delete l[k];
    s.Labels = toLabels(f.labelAdd, l);
  }
  if (f.containerLabelAdd?.length || f.containerLabelRm?.length) {
    const l = { ...(c.Labels ?? {}) };
    for (const k of f.containerLabelRm ?? []) delete l[k];
    c.Labels = toLabels(f.containerLabelAdd, l);
  }
  if (f.constraintAdd?.length || f.constraintRm?.length) {
    const p = (t.Placement ??= {});
    const rm = new Set(f.constraintRm ?? []);
    p.Constraints = [...(p.Constraints ?? []).filter((x) => !rm.has(x)), ...(f.constraintAdd ?? [])];
  }
  if (f.placementPrefAdd?.length || f.placementPrefRm?.length) {
    const p = (t.Placement ??= {});
    const rm = new Set((f.placementPrefRm ?? []).map((x) => parsePlacementPref(x).Spread.SpreadDescriptor));
    p.Preferences = [
      ...(p.Preferences ?? []).filter((x) => !rm.has(x.Spread.SpreadDescriptor)),
      ...(f.placementPrefAdd ?? []).map(parsePlacementPref),
    ];
  }
  if (f.publishAdd?.length || f.publishRm?.length) {
    const e = (s.EndpointSpec ??= { Mode: 'vip' });
    const rm = new Set((f.publishRm ?? []).map((x) => (x.includes('/') ? x : `${x.split(':').pop()}/tcp`)));
    const add = (f.publishAdd ?? []).map(parsePublish);
    const addKeys = new Set(add.map(portKey));
    e.Ports = [...(e.Ports ?? []).filter((p) => !rm.has(portKey(p)) && !addKeys.has(portKey(p))), ...add];
  }
  if (f.secretAdd?.length || f.secretRm?.length) {
    const rm = new Set(f.secretRm ?? []);
    c.Secrets = [...(c.Secrets ?? []).filter((r) => !rm.has(r.SecretName)), ...(f.secretAdd ?? []).map(parseSecretRef)];
  }
  if (f.configAdd?.length || f.configRm?.length) {
    const rm = new Set(f.configRm ?? []);
    c.Configs = [...(c.Configs ?? []).filter((r) => !rm.has(r.ConfigName)), ...(f.configAdd ?? []).map(parseConfigRef)];
  }
  if (f.mountAdd?.length || f.mountRm?.length) {
    const add = (f.mountAdd ?? []).map(parseMount);
    const rm = new Set([...(f.mountRm ?? []), ...add.map((m) => m.Target!)]);
    c.Mounts = [...(c.Mounts ?? []).filter((m) => !rm.has(m.Target ?? '')), ...add];
  }
  if (f.networkAdd?.length || f.networkRm?.length) {
    const rm = new Set(f.networkRm ?? []);
    t.Networks = [
      ...(t.Networks ?? []).filter((n) => !rm.has(n.Target)),
      ...(f.networkAdd ?? []).map((n) => ({ Target: n })),
    ];
  }
  applyCommon(s, f);
  if (f.force) t.ForceUpdate = (t.ForceUpdate ?? 0) + 1;
  return s;
}
