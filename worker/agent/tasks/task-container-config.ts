import type { Mount, PortConfig } from '../../../src/api';
import type { AssignedTask } from './assigned-task';
import { TaskRejectedError } from './errors';
import { taskLabels } from './task-labels';

/** A file the agent made for the task (a secret or a config), bind-mounted read-only. */
export interface TaskFileMount {
  source: string;
  target: string;
}

/** The body of POST /containers/create that runs a task. */
export interface TaskContainerConfig {
  body: Record<string, unknown> & { Image: string; Labels: Record<string, string> };
}

const NS_PER_S = 1e9;

/** The task's StopGracePeriod in seconds (Docker's default for services: 10 s). */
export function stopGraceSeconds(task: AssignedTask): number {
  const ns = task.Spec.ContainerSpec?.StopGracePeriod;
  return ns === undefined || ns === null ? 10 : Math.max(0, ns / NS_PER_S);
}

/** Privileges as the engine's SecurityOpt, as Docker's executor turns them. */
function securityOpts(p: NonNullable<AssignedTask['Spec']['ContainerSpec']>['Privileges']): string[] {
  const out: string[] = [];
  if (p?.Seccomp?.Mode === 'unconfined') out.push('seccomp=unconfined');
  if (p?.Seccomp?.Mode === 'custom' && p.Seccomp.Profile)
    out.push(`seccomp=${Buffer.from(p.Seccomp.Profile, 'base64').toString('utf8')}`);
  if (p?.NoNewPrivileges) out.push('no-new-privileges=true');
  return out;
}

/**
 * Docker's conversion of a task's ContainerSpec into a container (daemon/cluster/executor/
 * container/container.go): Command is the entrypoint and Args the command; the engine never
 * restarts it (restart policy "no"), because the orchestrator replaces failed tasks.
 * Throws TaskRejectedError for a spec this node cannot run.
 */
export function taskContainerConfig(
  task: AssignedTask,
  o: { nodeId: string; files?: TaskFileMount[] },
): TaskContainerConfig {
  const cs = task.Spec.ContainerSpec;
  if (!cs) throw new TaskRejectedError('task has no container spec');
  if (!cs.Image) throw new TaskRejectedError('task has no image');
  const limits = task.Spec.Resources?.Limits ?? {};
  const { bindings, exposed } = hostPorts(taskPorts(task));
  const hc: Record<string, unknown> = {
    NetworkMode: 'default',
    RestartPolicy: { Name: 'no' },
    Mounts: [
      ...(cs.Mounts ?? []).map(toEngineMount),
      ...(o.files ?? []).map((f) => ({ Type: 'bind', Source: f.source, Target: f.target, ReadOnly: true })),
    ],
  };
  if (limits.MemoryBytes) hc.Memory = limits.MemoryBytes;
  if (limits.NanoCPUs) hc.NanoCpus = limits.NanoCPUs;
  if (limits.Pids) hc.PidsLimit = limits.Pids;
  if (Object.keys(bindings).length) hc.PortBindings = bindings;
  if (cs.ReadOnly) hc.ReadonlyRootfs = true;
  if (cs.Hosts?.length) hc.ExtraHosts = cs.Hosts.map(toExtraHost);
  if (cs.DNSConfig?.Nameservers?.length) hc.Dns = cs.DNSConfig.Nameservers;
  if (cs.CapabilityAdd?.length) hc.CapAdd = cs.CapabilityAdd;
  if (cs.CapabilityDrop?.length) hc.CapDrop = cs.CapabilityDrop;
  if (typeof cs.Init === 'boolean') hc.Init = cs.Init;
  const security = securityOpts(cs.Privileges);
  if (security.length) hc.SecurityOpt = security;
  const body: TaskContainerConfig['body'] = {
    Image: cs.Image,
    Labels: taskLabels(task, o.nodeId),
    Env: cs.Env ?? [],
    HostConfig: hc,
    StopTimeout: Math.ceil(stopGraceSeconds(task)),
  };
  if (cs.Command?.length) body.Entrypoint = cs.Command;
  if (cs.Args?.length) body.Cmd = cs.Args;
  if (cs.Dir) body.WorkingDir = cs.Dir;
  if (cs.User) body.User = cs.User;
  if (cs.Hostname) body.Hostname = cs.Hostname;
  if (cs.TTY) body.Tty = true;
  if (cs.OpenStdin) body.OpenStdin = true;
  if (cs.StopSignal) body.StopSignal = cs.StopSignal;
  if (Object.keys(exposed).length) body.ExposedPorts = exposed;
  // The engine merges it with the image's and runs it; the controller waits for healthy.
  // (Specs stored before the field took Docker's spelling say "HealthCheck".)
  const health = cs.Healthcheck ?? (cs as { HealthCheck?: typeof cs.Healthcheck }).HealthCheck;
  if (health) body.Healthcheck = { ...health };
  return { body };
}

function toEngineMount(m: Mount, i: number): Record<string, unknown> {
  const type = m.Type ?? 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs')
    throw new TaskRejectedError(`invalid mount config: mount ${i}: type "${type}" is not supported`);
  if (!m.Target) throw new TaskRejectedError(`invalid mount config: mount ${i}: no target`);
  const out: Record<string, unknown> = { Type: type, Target: m.Target };
  if (m.Source) out.Source = m.Source;
  if (m.ReadOnly) out.ReadOnly = true;
  return out;
}

/** Swarm's "IP host [alias...]" (or the older "host:IP") as Docker's ExtraHosts "host:IP". */
function toExtraHost(h: string): string {
  const parts = h.trim().split(/\s+/);
  if (parts.length >= 2) return `${parts[1]}:${parts[0]}`;
  return h;
}

/** The task's ports: the allocated ones (Endpoint.Ports) when the managers gave them, else the spec's. */
export function taskPorts(task: AssignedTask): PortConfig[] {
  const allocated = task.Endpoint?.Ports ?? [];
  return allocated.length ? allocated : (task.Endpoint?.Spec?.Ports ?? []);
}

/** Host-mode published ports as `-p` would bind them; ingress-mode ports are the mesh's. */
export function hostPorts(ports: PortConfig[]): {
  bindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  exposed: Record<string, Record<string, never>>;
} {
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  const exposed: Record<string, Record<string, never>> = {};
  for (const p of ports) {
    if (p.PublishMode !== 'host' || !p.TargetPort) continue;
    const key = `${p.TargetPort}/${p.Protocol ?? 'tcp'}`;
    (bindings[key] ??= []).push({ HostIp: '', HostPort: p.PublishedPort ? String(p.PublishedPort) : '' });
    exposed[key] = {};
  }
  return { bindings, exposed };
}
