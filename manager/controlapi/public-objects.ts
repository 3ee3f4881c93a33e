/**
 * Services, tasks, secrets and configs as the Engine API shows them. The stored objects carry
 * what Docker keeps out of its JSON: the registry auth of the image (ContainerSpec.PullOptions,
 * for the workers' pulls), swarmkit's SpecVersion and a task's ServiceAnnotations; a secret's
 * Data never leaves the managers.
 */
import type { ConfigObject, SecretObject, ServiceObject, ServiceSpec, TaskObject, TaskSpec } from '../../src/api';

function stripTaskSpec(t: TaskSpec): TaskSpec {
  const c = t.ContainerSpec as (TaskSpec['ContainerSpec'] & { PullOptions?: unknown }) | undefined;
  if (c) delete c.PullOptions;
  return t;
}

function stripSpec(s: ServiceSpec): ServiceSpec {
  stripTaskSpec(s.TaskTemplate);
  return s;
}

/** The service as GET /services answers (Endpoint is always there, `{Spec: {}}` at least). */
export function publicService(svc: ServiceObject): ServiceObject {
  const { SpecVersion: _v, ...rest } = structuredClone(svc) as ServiceObject & { Internal?: unknown };
  delete (rest as { Internal?: unknown }).Internal;
  stripSpec(rest.Spec);
  if (rest.PreviousSpec) stripSpec(rest.PreviousSpec);
  rest.Endpoint ??= { Spec: {} };
  return rest;
}

/**
 * The task as GET /tasks answers: a shallow copy that shares the stored object's parts (it is
 * only serialized), since clients poll task lists many times a second.
 */
export function publicTask(t: TaskObject): TaskObject {
  const { ServiceAnnotations: _a, SpecVersion: _v, ...rest } = t;
  const c = rest.Spec.ContainerSpec as (TaskSpec['ContainerSpec'] & { PullOptions?: unknown }) | undefined;
  let spec = rest.Spec;
  if (c?.PullOptions !== undefined) {
    const { PullOptions: _p, ...container } = c;
    spec = { ...spec, ContainerSpec: container };
  }
  return { ...rest, Spec: spec, Labels: rest.Labels ?? {} };
}

/** A secret without its Data, as Docker answers every secret read. */
export function publicSecret(s: SecretObject): SecretObject {
  const out = structuredClone(s);
  delete out.Spec.Data;
  out.Spec.Labels ??= {};
  return out;
}

/** A config, Data included (Docker returns it). */
export function publicConfig(c: ConfigObject): ConfigObject {
  const out = structuredClone(c);
  out.Spec.Labels ??= {};
  return out;
}
