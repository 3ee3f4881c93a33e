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

const NO_PORTS: readonly string[] = Object.freeze([]);

/** The host-mode published ports among `ports`, as keys. */
export function hostPortKeys(ports: readonly PortConfig[] | undefined): readonly string[] {
  if (!ports || ports.length === 0) return NO_PORTS;
  const out: string[] = [];
  for (const p of ports) if (p.PublishMode === 'host' && p.PublishedPort) out.push(hostPortKey(p));
  return out.length ? out : NO_PORTS;
}

/**
 * Whether `t` (with host ports `ports`) places exactly like the task `d` was read from: same
 * service, placement, reservations and host ports. Compares field by field, allocating nothing,
 * because it runs once per task of a pass.
 */
export function sameDemand(d: TaskDemand, t: TaskObject, ports: readonly string[]): boolean {
  if (t.ServiceID !== d.serviceId) return false;
  const r = t.Spec.Resources?.Reservations;
  if ((r?.NanoCPUs ?? 0) !== d.nanoCpus || (r?.MemoryBytes ?? 0) !== d.memoryBytes) return false;
  if (!sameStrings(ports, d.hostPorts)) return false;
  const a = t.Spec.Placement;
  const b = d.placement;
  if (a === b) return true;
  if (!a || !b) return isEmptyPlacement(a ?? b!);
  if ((a.MaxReplicas ?? 0) !== (b.MaxReplicas ?? 0)) return false;
  if (!sameStrings(a.Constraints ?? [], b.Constraints ?? [])) return false;
  const pa = a.Preferences ?? [];
  const pb = b.Preferences ?? [];
  if (pa.length !== pb.length) return false;
  for (let i = 0; i < pa.length; i++)
    if (pa[i]?.Spread?.SpreadDescriptor !== pb[i]?.Spread?.SpreadDescriptor) return false;
  const fa = a.Platforms ?? [];
  const fb = b.Platforms ?? [];
  if (fa.length !== fb.length) return false;
  for (let i = 0; i < fa.length; i++)
    if (fa[i]!.OS !== fb[i]!.OS || fa[i]!.Architecture !== fb[i]!.Architecture) return false;
  return true;
}

function isEmptyPlacement(p: Placement): boolean {
  return !p.Constraints?.length && !p.Preferences?.length && !p.MaxReplicas && !p.Platforms?.length;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
