import type { NodeObject, Placement, PortConfig, TaskObject } from '../../../src/api';

let version = 0;

export interface NodeOpts {
  state?: NodeObject['Status']['State'];
  availability?: NodeObject['Spec']['Availability'];
  role?: NodeObject['Spec']['Role'];
  labels?: Record<string, string>;
  engineLabels?: Record<string, string>;
  hostname?: string;
  os?: string;
  arch?: string;
  cpus?: number;
  memory?: number;
  addr?: string;
}

export function node(id: string, o: NodeOpts = {}): NodeObject {
  return {
    ID: id,
    Version: { Index: ++version },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: { Role: o.role ?? 'worker', Availability: o.availability ?? 'active', Labels: o.labels ?? {} },
    Description: {
      Hostname: o.hostname ?? `host-${id}`,
      Platform: { OS: o.os ?? 'linux', Architecture: o.arch ?? 'x86_64' },
      Resources: { NanoCPUs: o.cpus ?? 4e9, MemoryBytes: o.memory ?? 8 * 2 ** 30 },
      Engine: { Labels: o.engineLabels ?? {} },
    },
    Status: { State: o.state ?? 'ready', Addr: o.addr ?? '10.0.0.1' },
  };
}

export interface TaskOpts {
  placement?: Placement;
  cpus?: number;
  memory?: number;
  ports?: PortConfig[];
  nodeId?: string;
  state?: TaskObject['Status']['State'];
  desired?: TaskObject['DesiredState'];
}

export function task(id: string, serviceId = 'svc', o: TaskOpts = {}): TaskObject {
  const t: TaskObject & { Endpoint?: { Ports: PortConfig[] } } = {
    ID: id,
    Version: { Index: ++version },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: serviceId,
    Spec: {
      ContainerSpec: { Image: 'busybox' },
      ...(o.placement ? { Placement: o.placement } : {}),
      ...(o.cpus || o.memory
        ? { Resources: { Reservations: { NanoCPUs: o.cpus ?? 0, MemoryBytes: o.memory ?? 0 } } }
        : {}),
    },
    Status: { State: o.state ?? 'pending' },
    DesiredState: o.desired ?? 'running',
    ...(o.nodeId ? { NodeID: o.nodeId } : {}),
  };
  if (o.ports) t.Endpoint = { Ports: o.ports };
  return t;
}

export function tasks(n: number, serviceId = 'svc', o: TaskOpts = {}, prefix = serviceId): TaskObject[] {
  return Array.from({ length: n }, (_, i) => task(`${prefix}-${i}`, serviceId, o));
}

/** Count of assignments per node ID. */
export function perNode(assignments: readonly { nodeId: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of assignments) out[a.nodeId] = (out[a.nodeId] ?? 0) + 1;
  return out;
}
