/**
 * The rows of `service ls` and `service ps` in docker's columns, from the API's JSON. Pure, so
 * the tests can check them without a daemon.
 */
import type { NodeObject, PortConfig, ServiceObject, TaskObject } from '../src/api';
import { since } from './format';

export type ServiceWithStatus = ServiceObject & {
  ServiceStatus?: { RunningTasks: number; DesiredTasks: number; CompletedTasks?: number };
};

/** "*:8080->80/tcp" per ingress port; host-mode ports as "host:8080->80/tcp" too when `withHost`. */
export function formatPorts(ports: PortConfig[] | undefined, withHost = false): string {
  return (ports ?? [])
    .filter((p) => withHost || (p.PublishMode ?? 'ingress') === 'ingress')
    .map((p) => `*:${p.PublishedPort ?? 0}->${p.TargetPort}/${p.Protocol ?? 'tcp'}`)
    .join(', ');
}

/** The image without its pinned digest, as `service ls` shows it. */
export function shortImage(image: string | undefined): string {
  return (image ?? '').replace(/@sha256:[0-9a-f]+$/, '');
}

export function serviceMode(s: ServiceObject): string {
  const m = s.Spec.Mode ?? {};
  if (m.Global) return 'global';
  if (m.ReplicatedJob) return 'replicated job';
  if (m.GlobalJob) return 'global job';
  return 'replicated';
}

/** ID NAME MODE REPLICAS IMAGE PORTS, sorted by name. */
export function serviceLsRows(services: ServiceWithStatus[]): string[][] {
  return [...services]
    .sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name))
    .map((s) => {
      const st = s.ServiceStatus;
      let replicas = st ? `${st.RunningTasks}/${st.DesiredTasks}` : '';
      const max = s.Spec.TaskTemplate.Placement?.MaxReplicas;
      const m = s.Spec.Mode ?? {};
      const done = st?.CompletedTasks ?? 0;
      // Jobs show their progress instead of the per-node maximum, as docker's ls does; a global
      // job's total is what it still wants plus what completed.
      if (st && m.ReplicatedJob) replicas += ` (${done}/${m.ReplicatedJob.TotalCompletions ?? 1} completed)`;
      else if (st && m.GlobalJob) replicas += ` (${done}/${st.DesiredTasks + done} completed)`;
      else if (max && m.Replicated) replicas += ` (max ${max} per node)`;
      return [
        s.ID.slice(0, 12),
        s.Spec.Name,
        serviceMode(s),
        replicas,
        shortImage(s.Spec.TaskTemplate.ContainerSpec?.Image),
        formatPorts(s.Endpoint?.Ports),
      ];
    });
}

const cap = (x: string) => (x ? x[0]!.toUpperCase() + x.slice(1) : x);

export interface PsOptions {
  noTrunc?: boolean;
  now?: number;
}

/**
 * ID NAME IMAGE NODE DESIRED STATE CURRENT STATE ERROR PORTS. Tasks of one slot (or node,
 * for global services) are grouped, newest first; older ones are named " \_ name" as docker does.
 */
export function servicePsRows(
  tasks: TaskObject[],
  services: Map<string, ServiceObject>,
  nodes: Map<string, NodeObject>,
  o: PsOptions = {},
): string[][] {
  const key = (t: TaskObject) => `${t.ServiceID}/${t.Slot ? String(t.Slot).padStart(8, '0') : (t.NodeID ?? '')}`;
  const time = (t: TaskObject) => Date.parse(t.Status.Timestamp ?? t.CreatedAt ?? '') || 0;
  const sorted = [...tasks].sort((a, b) => {
    const na = services.get(a.ServiceID)?.Spec.Name ?? a.ServiceID;
    const nb = services.get(b.ServiceID)?.Spec.Name ?? b.ServiceID;
    return na.localeCompare(nb) || key(a).localeCompare(key(b)) || time(b) - time(a);
  });
  let prev = '';
  return sorted.map((t) => {
    const svc = services.get(t.ServiceID);
    const name = `${svc?.Spec.Name ?? t.ServiceID}.${t.Slot ? t.Slot : (t.NodeID ?? '')}`;
    const first = key(t) !== prev;
    prev = key(t);
    const err = t.Status.Err
      ? o.noTrunc || t.Status.Err.length <= 29
        ? t.Status.Err
        : `${t.Status.Err.slice(0, 28)}…`
      : '';
    const ts = Date.parse(t.Status.Timestamp ?? '');
    const image = t.Spec.ContainerSpec?.Image ?? '';
    return [
      o.noTrunc ? t.ID : t.ID.slice(0, 12),
      first ? name : ` \\_ ${name}`,
      o.noTrunc ? image : shortImage(image),
      t.NodeID ? (nodes.get(t.NodeID)?.Description?.Hostname ?? t.NodeID) : '',
      cap(t.DesiredState),
      `${cap(t.Status.State)} ${Number.isNaN(ts) ? '' : since(ts / 1000, o.now)}`.trim(),
      err ? `"${err}"` : '',
      formatPorts(t.Status.PortStatus?.Ports, true),
    ];
  });
}
