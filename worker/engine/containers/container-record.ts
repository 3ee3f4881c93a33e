import type { SandboxInfo } from '../../network';
import type { ContainerCreateBody, HostConfig } from './create-schema';
import type { HealthState } from './health-monitor';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** Docker's State object of a container inspect. */
export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** Containers whose healthcheck runs a probe, once started (Docker omits it otherwise). */
  Health?: HealthState;
}

export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** What tsswarmd keeps of a container, on disk as <dataRoot>/containers/<id>/config.v2.json. */
export interface ContainerRecord {
  Id: string;
  /** With Docker's leading slash. */
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  /** The image's id (config digest). */
  Image: string;
  Config: ContainerCreateBody & { Image: string; Hostname: string; Env: string[]; Labels: Record<string, string> };
  HostConfig: HostConfig;
  State: ContainerState;
  RestartCount: number;
  Mounts: MountPoint[];
  LogPath: string;
  HostnamePath: string;
  HostsPath: string;
  ResolvConfPath: string;
  Sandbox?: SandboxInfo;
  /** The spec handed to runc on the last start, for inspect and restarts. */
  Snapshotter: string;
  /** Set by stop/kill from a user; keeps restart policies from bringing it back. */
  StoppedByUser: boolean;
  /**
   * The tombstone of a removed container whose containerd side (task, container, snapshot) and
   * directory are still being cleaned up; a restore finishes that cleanup instead of loading it.
   */
  Removed?: { Volumes: boolean };
}

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: '0001-01-01T00:00:00Z',
    FinishedAt: '0001-01-01T00:00:00Z',
  };
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 1) return 'Less than a second';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute' : `${m} minutes`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? 'About an hour' : `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

/**
 * The STATUS column text: "Up 5 seconds", "Up 5 seconds (healthy)", "Up 1 second (health:
 * starting)", "Exited (0) 3 seconds ago", "Created".
 */
export function statusText(st: ContainerState, now = Date.now()): string {
  if (st.Restarting) return `Restarting (${st.ExitCode}) ${ago(st.FinishedAt, now)} ago`;
  if (st.Running) {
    const up = `Up ${ago(st.StartedAt, now)}`;
    if (st.Paused) return `${up} (Paused)`;
    if (st.Health) return `${up} (${st.Health.Status === 'starting' ? 'health: starting' : st.Health.Status})`;
    return up;
  }
  if (st.Status === 'exited') return `Exited (${st.ExitCode}) ${ago(st.FinishedAt, now)} ago`;
  if (st.Status === 'dead') return 'Dead';
  return st.Status === 'removing' ? 'Removal In Progress' : 'Created';
}

/** GET /containers/json entry. */
export function toSummary(r: ContainerRecord, imageName: string): Record<string, unknown> {
  const ports: Array<Record<string, unknown>> = [];
  for (const [key, bindings] of Object.entries(r.Sandbox?.Ports ?? {})) {
    const [priv, type] = key.split('/');
    if (!bindings?.length) ports.push({ PrivatePort: Number(priv), Type: type });
    else
      for (const b of bindings)
        ports.push({
          IP: b.HostIp || '0.0.0.0',
          PrivatePort: Number(priv),
          PublicPort: Number(b.HostPort),
          Type: type,
        });
  }
  return {
    Id: r.Id,
    Names: [r.Name],
    Image: imageName,
    ImageID: r.Image,
    Command: [r.Path, ...r.Args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' '),
    Created: Math.floor(Date.parse(r.Created) / 1000),
    Ports: ports,
    Labels: r.Config.Labels ?? {},
    State: r.State.Status,
    Status: statusText(r.State),
    HostConfig: { NetworkMode: r.HostConfig.NetworkMode || 'default' },
    NetworkSettings: { Networks: r.Sandbox?.Networks ?? {} },
    Mounts: r.Mounts,
  };
}

/** GET /containers/{id}/json. */
export function toInspect(r: ContainerRecord): Record<string, unknown> {
  const sb = r.Sandbox;
  return {
    Id: r.Id,
    Created: r.Created,
    Path: r.Path,
    Args: r.Args,
    State: r.State,
    Image: r.Image,
    ResolvConfPath: r.ResolvConfPath,
    HostnamePath: r.HostnamePath,
    HostsPath: r.HostsPath,
    LogPath: r.LogPath,
    Name: r.Name,
    RestartCount: r.RestartCount,
    Driver: 'overlayfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      NetworkMode: 'default',
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: false,
      ...r.HostConfig,
    },
    GraphDriver: { Name: 'overlayfs', Data: null },
    Mounts: r.Mounts,
    Config: {
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Domainname: '',
      User: '',
      WorkingDir: '',
      Entrypoint: null,
      OnBuild: null,
      ...stripHostConfig(r.Config),
    },
    NetworkSettings: {
      Bridge: '',
      SandboxID: sb?.EndpointID ?? '',
      SandboxKey: sb?.SandboxKey ?? '',
      Ports: sb?.Ports ?? {},
      Gateway: sb?.Gateway ?? '',
      IPAddress: sb?.IPAddress ?? '',
      IPPrefixLen: sb?.IPPrefixLen ?? 0,
      MacAddress: sb?.MacAddress ?? '',
      EndpointID: sb?.EndpointID ?? '',
      Networks: sb?.Networks ?? {},
    },
  };
}

function stripHostConfig(c: ContainerRecord['Config']): Record<string, unknown> {
  const { HostConfig: _h, NetworkingConfig: _n, ...rest } = c as Record<string, unknown>;
  return rest;
}
