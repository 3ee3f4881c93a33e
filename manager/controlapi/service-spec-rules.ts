/**
 * What Docker does with a decoded ServiceSpec before storing it: the daemon's conversion fills
 * the values its enums read as zero (Replicated 1, ReplicatedJob MaxConcurrent 1 and
 * TotalCompletions = MaxConcurrent, vip, tcp, ingress, pause, stop-first, Runtime
 * "container", Isolation "default", Labels {}), then swarmkit's validateServiceSpec
 * refuses what cannot run, with swarmkit's words.
 */
import type { ServiceSpec, UpdateConfig } from '../../src/api';
import { parseConstraints } from '../scheduler';
import { InvalidSpecError } from './control-errors';
import type { DecodedServiceSpec } from './service-schemas';

const DNS_LABEL = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;

function normalizeUpdateConfig(u: UpdateConfig): UpdateConfig {
  return { ...u, FailureAction: u.FailureAction || 'pause', Order: u.Order || 'stop-first' };
}

/** The spec as Docker stores it; the input is not changed. */
export function normalizeServiceSpec(d: DecodedServiceSpec): ServiceSpec {
  const s = structuredClone(d) as ServiceSpec;
  s.Labels ??= {};
  s.TaskTemplate ??= {};
  const t = s.TaskTemplate;
  if (t.ContainerSpec) {
    t.ContainerSpec.Isolation ||= 'default';
    t.Runtime ||= 'container';
  }
  const m = s.Mode;
  if (!m || (!m.Replicated && !m.Global && !m.ReplicatedJob && !m.GlobalJob)) s.Mode = { Replicated: { Replicas: 1 } };
  else if (m.Replicated) m.Replicated.Replicas ??= 1;
  else if (m.ReplicatedJob) {
    m.ReplicatedJob.MaxConcurrent ??= 1;
    m.ReplicatedJob.TotalCompletions ??= m.ReplicatedJob.MaxConcurrent;
  }
  if (s.UpdateConfig) s.UpdateConfig = normalizeUpdateConfig(s.UpdateConfig);
  if (s.RollbackConfig) s.RollbackConfig = normalizeUpdateConfig(s.RollbackConfig);
  if (s.EndpointSpec) {
    const e = s.EndpointSpec;
    e.Mode ||= 'vip';
    if (e.Ports)
      e.Ports = e.Ports.map((p) => ({ ...p, Protocol: p.Protocol || 'tcp', PublishMode: p.PublishMode || 'ingress' }));
  }
  return s;
}

function checkUpdateConfig(u: UpdateConfig | undefined): void {
  if (!u) return;
  if ((u.Delay ?? 0) < 0) throw new InvalidSpecError('TaskSpec: update-delay cannot be negative');
  if ((u.Monitor ?? 0) < 0) throw new InvalidSpecError('TaskSpec: update-monitor cannot be negative');
  const r = u.MaxFailureRatio ?? 0;
  if (r < 0 || r > 1)
    throw new InvalidSpecError('TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1');
}

/** swarmkit's validateHealthCheck: durations of 0 or at least 1ms, Retries not negative. */
function checkHealthcheck(h: NonNullable<ServiceSpec['TaskTemplate']['ContainerSpec']>['Healthcheck']): void {
  if (!h) return;
  const MIN_NS = 1_000_000;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const) {
    const v = h[k] ?? 0;
    if (v !== 0 && v < MIN_NS)
      throw new InvalidSpecError(`ContainerSpec: ${k} in HealthConfig cannot be less than 1ms`);
  }
  if ((h.Retries ?? 0) < 0) throw new InvalidSpecError('ContainerSpec: Retries in HealthConfig cannot be negative');
}

/** Two references mounted at one file path: swarmkit refuses them. */
function checkTargets(kind: string, refs: [string | undefined, string | undefined][]): void {
  const byTarget = new Map<string, string>();
  for (const [name = '', target] of refs) {
    if (!target) continue;
    const other = byTarget.get(target);
    if (other !== undefined)
      throw new InvalidSpecError(`${kind} references '${other}' and '${name}' have a conflicting target: '${target}'`);
    byTarget.set(target, name);
  }
}

/** Throws InvalidSpecError (400) with swarmkit's message for the first rule `s` breaks. */
export function checkServiceSpec(s: ServiceSpec): void {
  const name = s.Name ?? '';
  if (!name) throw new InvalidSpecError('meta: name must be provided');
  if (name.length > 63) throw new InvalidSpecError('name must be 63 characters or fewer');
  if (!DNS_LABEL.test(name)) throw new InvalidSpecError('name must be valid as a DNS name component');
  const t = s.TaskTemplate;
  const c = t.ContainerSpec;
  if (!c && !t.PluginSpec && !t.NetworkAttachmentSpec) throw new InvalidSpecError('TaskSpec: missing runtime');
  if (c) {
    if (!c.Image) throw new InvalidSpecError('ContainerSpec: image reference must be provided');
    const targets = new Set<string>();
    for (const m of c.Mounts ?? []) {
      const target = m.Target ?? '';
      if (!target.startsWith('/'))
        throw new InvalidSpecError(`ContainerSpec: invalid mount target, must be an absolute path: ${target}`);
      if (targets.has(target)) throw new InvalidSpecError(`ContainerSpec: duplicate mount point: ${target}`);
      targets.add(target);
      if (m.Type === 'bind' && !(m.Source ?? '').startsWith('/'))
        throw new InvalidSpecError(
          `ContainerSpec: invalid bind mount source, must be an absolute path: ${m.Source ?? ''}`,
        );
    }
    checkHealthcheck(c.Healthcheck);
    checkTargets(
      'secret',
      (c.Secrets ?? []).map((r) => [r.SecretName, r.File?.Name]),
    );
    checkTargets(
      'config',
      (c.Configs ?? []).map((r) => [r.ConfigName, r.File?.Name]),
    );
  }
  try {
    parseConstraints(t.Placement?.Constraints ?? []);
  } catch (err) {
    throw new InvalidSpecError((err as Error).message);
  }
  const rp = t.RestartPolicy;
  if ((rp?.Delay ?? 0) < 0) throw new InvalidSpecError('TaskSpec: restart-delay cannot be negative');
  if ((rp?.Window ?? 0) < 0) throw new InvalidSpecError('TaskSpec: restart-window cannot be negative');
  // swarmkit's validateJob: a job's new spec is a new run, never a rolling update.
  if (isJobSpec(s)) {
    if (s.UpdateConfig) throw new InvalidSpecError('Jobs may not have an update config');
  } else checkUpdateConfig(s.UpdateConfig);
  checkUpdateConfig(s.RollbackConfig);
  const e = s.EndpointSpec;
  if (e?.Ports) {
    const seen = new Set<string>();
    for (const p of e.Ports) {
      if (e.Mode === 'dnsrr' && p.PublishMode === 'ingress')
        throw new InvalidSpecError("EndpointSpec: port published with ingress mode can't be used with dnsrr mode");
      if (!p.PublishedPort) continue;
      const key = `${p.PublishedPort}/${p.Protocol}`;
      if (seen.has(key)) throw new InvalidSpecError('EndpointSpec: duplicate published ports provided');
      seen.add(key);
    }
  }
}

/** Mode.ReplicatedJob or Mode.GlobalJob. */
export function isJobSpec(s: ServiceSpec): boolean {
  return s.Mode?.ReplicatedJob !== undefined || s.Mode?.GlobalJob !== undefined;
}

/** What swarmkit refuses to change on an existing service. */
export function checkServiceChange(cur: ServiceSpec, next: ServiceSpec): void {
  if (cur.Name.toLowerCase() !== next.Name.toLowerCase())
    throw new InvalidSpecError('renaming services is not supported');
  const kind = (s: ServiceSpec) => Object.keys(s.Mode ?? {}).find((k) => (s.Mode as Record<string, unknown>)[k]);
  if (kind(cur) !== kind(next)) throw new InvalidSpecError('service mode change is not allowed');
}
