/**
 * What POST /services/{id}/update writes, as swarmkit's UpdateService: the old Spec goes to
 * PreviousSpec and UpdateStatus is cleared (a paused update resumes only with a new spec);
 * `rollback=previous` swaps Spec and PreviousSpec and starts a rollback. A job (a service with
 * JobStatus) starts its next iteration on any update: JobIteration.Index + 1, LastExecution
 * now. The image's registry
 * auth is the header's, else kept from the spec `registryAuthFrom` names.
 */
import {
  InvalidArgumentError,
  type Endpoint,
  type EndpointSpec,
  type ServiceObject,
  type ServiceSpec,
} from '../../src/api';
import { FailedPreconditionError } from '../errors';

type PullSpec = { PullOptions?: { RegistryAuth?: string } };

export interface ServiceUpdateRequest {
  spec: ServiceSpec;
  rollback?: string;
  registryAuthFrom?: string;
  /** X-Registry-Auth as sent. */
  registryAuth?: string;
  /** RFC 3339, for UpdateStatus.StartedAt. */
  now: string;
}

function pullOptionsOf(s: ServiceSpec | undefined): PullSpec['PullOptions'] {
  return (s?.TaskTemplate.ContainerSpec as PullSpec | undefined)?.PullOptions;
}

/** Sets (or drops) the registry auth kept with the image. */
export function withRegistryAuth(spec: ServiceSpec, auth: PullSpec['PullOptions'] | string | undefined): ServiceSpec {
  const c = spec.TaskTemplate.ContainerSpec as PullSpec | undefined;
  if (!c) return spec;
  const p = typeof auth === 'string' ? { RegistryAuth: auth } : auth;
  if (p?.RegistryAuth) c.PullOptions = { RegistryAuth: p.RegistryAuth };
  else delete c.PullOptions;
  return spec;
}

/**
 * The observed endpoint for `spec`: Docker shows the spec's ports until the allocator fills them
 * in; an ingress port published as 0 keeps the port the allocator gave it before, so an update
 * does not move it.
 */
export function endpointFor(spec: EndpointSpec | undefined, cur: Endpoint | undefined): Endpoint {
  const ports = spec?.Ports?.length ? structuredClone(spec.Ports) : undefined;
  const given = (cur?.Ports ?? []).filter((p) => (p.PublishMode ?? 'ingress') === 'ingress' && p.PublishedPort);
  for (const p of ports ?? []) {
    if (p.PublishedPort || (p.PublishMode ?? 'ingress') !== 'ingress') continue;
    const i = given.findIndex((g) => g.TargetPort === p.TargetPort && (g.Protocol ?? 'tcp') === (p.Protocol ?? 'tcp'));
    if (i >= 0) p.PublishedPort = given.splice(i, 1)[0]!.PublishedPort;
  }
  const epSpec: EndpointSpec = ports
    ? { Mode: spec?.Mode ?? 'vip', Ports: structuredClone(spec!.Ports!) }
    : spec?.Mode === 'dnsrr'
      ? { Mode: 'dnsrr' }
      : {};
  const out: Endpoint = { Spec: epSpec };
  if (ports) out.Ports = structuredClone(ports);
  if (cur?.VirtualIPs) out.VirtualIPs = structuredClone(cur.VirtualIPs);
  return out;
}

/** The service to write; `cur` is not changed. */
export function planServiceUpdate(cur: ServiceObject, req: ServiceUpdateRequest): ServiceObject {
  const next = structuredClone(cur);
  if (req.rollback === 'previous') {
    if (!cur.PreviousSpec) throw new FailedPreconditionError(`service ${cur.ID} does not have a previous spec`);
    next.Spec = structuredClone(cur.PreviousSpec);
    next.PreviousSpec = structuredClone(cur.Spec);
    next.UpdateStatus = { State: 'rollback_started', StartedAt: req.now, Message: 'manually requested rollback' };
  } else {
    if (req.rollback !== undefined && req.rollback !== '' && req.rollback !== 'none')
      throw new InvalidArgumentError(`unrecognized rollback option ${req.rollback}`);
    let auth: PullSpec['PullOptions'];
    if (req.registryAuth) auth = { RegistryAuth: req.registryAuth };
    else if (!req.registryAuthFrom || req.registryAuthFrom === 'spec') auth = pullOptionsOf(cur.Spec);
    else if (req.registryAuthFrom === 'previous-spec') auth = pullOptionsOf(cur.PreviousSpec);
    else throw new InvalidArgumentError('unsupported registryAuthFrom value');
    next.PreviousSpec = structuredClone(cur.Spec);
    next.Spec = withRegistryAuth(structuredClone(req.spec), auth);
    delete next.UpdateStatus;
  }
  if (cur.JobStatus)
    next.JobStatus = { JobIteration: { Index: cur.JobStatus.JobIteration.Index + 1 }, LastExecution: req.now };
  // swarmkit's spec_version: the service version the new spec was written over.
  next.SpecVersion = { Index: cur.Version.Index };
  next.Endpoint = endpointFor(next.Spec.EndpointSpec, cur.Endpoint);
  return next;
}
