/**
 * GET /services/{id}?insertDefaults=true: the spec with swarmkit's defaults (api/defaults)
 * filled wherever the user left a field out, as `docker service inspect` shows it.
 */
import type { ServiceSpec, UpdateConfig } from '../../src/api';

const SECOND_NS = 1e9;

const UPDATE_DEFAULTS: Required<
  Pick<UpdateConfig, 'Parallelism' | 'FailureAction' | 'Monitor' | 'MaxFailureRatio' | 'Order'>
> = {
  Parallelism: 1,
  FailureAction: 'pause',
  Monitor: 5 * SECOND_NS,
  MaxFailureRatio: 0,
  Order: 'stop-first',
};

function withUpdateDefaults(u: UpdateConfig | undefined): UpdateConfig {
  const out: UpdateConfig = { ...UPDATE_DEFAULTS, ...(u ?? {}) };
  // Zero parallelism means "all at once" once set, but an unset config reads as 1.
  if (!u) out.Parallelism = 1;
  if (!out.Monitor) out.Monitor = UPDATE_DEFAULTS.Monitor;
  return out;
}

/** A copy of `spec` with Docker's defaults inserted; fields already set are kept. */
export function withServiceDefaults(spec: ServiceSpec): ServiceSpec {
  const s = structuredClone(spec);
  const t = s.TaskTemplate;
  if (t.ContainerSpec) {
    t.ContainerSpec.StopGracePeriod ??= 10 * SECOND_NS;
    t.ContainerSpec.DNSConfig ??= {};
  }
  t.Resources ??= {};
  t.Resources.Limits ??= {};
  t.Resources.Reservations ??= {};
  t.RestartPolicy = { Condition: 'any', Delay: 5 * SECOND_NS, MaxAttempts: 0, ...(t.RestartPolicy ?? {}) };
  t.Placement ??= {};
  t.ForceUpdate ??= 0;
  // A job has no rolling update: an UpdateConfig shown here would be refused when sent back.
  if (!s.Mode?.ReplicatedJob && !s.Mode?.GlobalJob) {
    s.UpdateConfig = withUpdateDefaults(s.UpdateConfig);
    s.RollbackConfig = withUpdateDefaults(s.RollbackConfig);
  }
  s.EndpointSpec = { Mode: 'vip', ...(s.EndpointSpec ?? {}) };
  return s;
}
