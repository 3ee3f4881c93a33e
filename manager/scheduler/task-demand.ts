/**
 * TaskDemand: the parts of a task that decide where it may go (service, placement,
 * reservations, host-mode ports), read once per group of like tasks. Tasks with equal demand
 * keys are interchangeable for placement, so they are scheduled together (swarmkit groups by
 * service and spec version; only these fields of the spec matter to the filters).
 */
import type { Placement, PortConfig, TaskObject } from '../../src/api';
import { parseConstraints, type Constraint } from './constraint';

/** A task's host-mode published ports, from wherever the caller keeps them. */
export type PortsOf = (t: TaskObject) => readonly PortConfig[] | undefined;

/** Swarmkit copies the service's endpoint onto each task; a task with `Endpoint.Ports` is read that way. */
export const taskEndpointPorts: PortsOf = (t) => (t as { Endpoint?: { Ports?: PortConfig[] } }).Endpoint?.Ports;

export interface TaskDemand {
  readonly serviceId: string;
  readonly placement: Placement | undefined;
  /** Parsed Placement.Constraints; undefined when they do not parse (Docker then ignores them). */
  readonly constraints: readonly Constraint[] | undefined;
  readonly nanoCpus: number;
  readonly memoryBytes: number;
  /** `protocol/port` of each host-mode port with a published port. */
  readonly hostPorts: readonly string[];
}

/** `tcp/8080`: how used host ports are keyed. */
export function hostPortKey(p: PortConfig): string {
  return `${p.Protocol ?? 'tcp'}/${p.PublishedPort}`;
}

/** The host-mode published ports among `ports`, as keys. */
export function hostPortKeys(ports: readonly PortConfig[] | undefined): string[] {
  if (!ports || ports.length === 0) return [];
  const out: string[] = [];
  for (const p of ports) if (p.PublishMode === 'host' && p.PublishedPort) out.push(hostPortKey(p));
  return out;
}

/** The key under which like tasks are grouped. */
export function demandKey(t: TaskObject, hostPorts: readonly string[]): string {
  const r = t.Spec.Resources?.Reservations;
  const p = t.Spec.Placement;
  return `${t.ServiceID}\u0000${p ? JSON.stringify(p) : ''}\u0000${r?.NanoCPUs ?? 0}/${r?.MemoryBytes ?? 0}\u0000${hostPorts.join(',')}`;
}

export function demandOf(t: TaskObject, hostPorts: readonly string[]): TaskDemand {
  const r = t.Spec.Resources?.Reservations;
  const placement = t.Spec.Placement;
  let constraints: Constraint[] | undefined;
  if (placement?.Constraints?.length) {
    try {
      constraints = parseConstraints(placement.Constraints);
    } catch {
      // The API refuses bad constraints; one that got in anyway is ignored, as swarmkit's filter does.
      constraints = undefined;
    }
  }
  return {
    serviceId: t.ServiceID,
    placement,
    constraints,
    nanoCpus: r?.NanoCPUs ?? 0,
    memoryBytes: r?.MemoryBytes ?? 0,
    hostPorts,
  };
}
