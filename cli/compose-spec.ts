/**
 * A compose file (v3) into what `docker stack deploy` sends: overlay networks, secrets and
 * configs named STACK_x with the com.docker.stack.namespace label, and one ServiceSpec per
 * service (named STACK_svc, attached to STACK_default when it names no network, with the
 * service name as its network alias). Pure: files are named, not read.
 */
import type {
  ConfigReference,
  Healthcheck,
  PortConfig,
  SecretReference,
  ServiceSpec,
  UpdateConfig,
} from './compose-types';
import { parseDuration } from './commands/swarm';
import { parseBytes, parseCpus, parsePublish } from './service-flag-parsers';

export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
export const IMAGE_LABEL = 'com.docker.stack.image';

export interface StackNetwork {
  name: string;
  external: boolean;
  driver: string;
  attachable?: boolean;
  labels: Record<string, string>;
}
export interface StackFile {
  /** The object's name in the swarm. */
  name: string;
  /** The compose key. */
  key: string;
  external: boolean;
  file?: string;
  labels: Record<string, string>;
}
export interface StackPlan {
  networks: StackNetwork[];
  secrets: StackFile[];
  configs: StackFile[];
  services: ServiceSpec[];
}

type Obj = Record<string, any>;

/** ${VAR}, ${VAR:-default}, $VAR and $$ as compose interpolates them. */
export function interpolate(v: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof v === 'string')
    return v.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a, d, b) =>
      m === '$$' ? '$' : env[a ?? b] || (d ?? ''),
    );
  if (Array.isArray(v)) return v.map((x) => interpolate(x, env));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x, env)]));
  return v;
}

/** A shell-like split of a compose `command` string (quotes kept together). */
export function shellSplit(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return out;
}

const list = (v: unknown): string[] | undefined =>
  v === undefined || v === null ? undefined : Array.isArray(v) ? v.map(String) : shellSplit(String(v));

function mapOrList(v: unknown, sep = '='): Record<string, string> {
  if (!v) return {};
  if (Array.isArray(v))
    return Object.fromEntries(
      v.map((x) => {
        const s = String(x);
        const i = s.indexOf(sep);
        return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  return Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, x === null ? '' : String(x)]));
}

const dur = (v: unknown) => (v === undefined ? undefined : typeof v === 'number' ? v * 1e9 : parseDuration(String(v)));

function updateConfig(u: Obj | undefined): UpdateConfig | undefined {
  if (!u) return undefined;
  const out: UpdateConfig = {};
  if (u.parallelism !== undefined) out.Parallelism = Number(u.parallelism);
  if (u.delay !== undefined) out.Delay = dur(u.delay);
  if (u.failure_action !== undefined) out.FailureAction = u.failure_action;
  if (u.monitor !== undefined) out.Monitor = dur(u.monitor);
  if (u.max_failure_ratio !== undefined) out.MaxFailureRatio = Number(u.max_failure_ratio);
  if (u.order !== undefined) out.Order = u.order;
  return out;
}

function ports(v: unknown): PortConfig[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((p) => {
    if (typeof p === 'object' && p)
      return {
        Protocol: p.protocol ?? 'tcp',
        TargetPort: Number(p.target),
        ...(p.published !== undefined ? { PublishedPort: Number(p.published) } : {}),
        PublishMode: p.mode ?? 'ingress',
      };
    return parsePublish(String(p));
  });
}

function healthCheck(h: Obj | undefined): Healthcheck | undefined {
  if (!h) return undefined;
  if (h.disable) return { Test: ['NONE'] };
  const test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test;
  return {
    ...(test ? { Test: test } : {}),
    ...(h.interval ? { Interval: dur(h.interval) } : {}),
    ...(h.timeout ? { Timeout: dur(h.timeout) } : {}),
    ...(h.start_period ? { StartPeriod: dur(h.start_period) } : {}),
    ...(h.start_interval ? { StartInterval: dur(h.start_interval) } : {}),
    ...(h.retries !== undefined ? { Retries: Number(h.retries) } : {}),
  };
}

function resources(r: Obj | undefined) {
  const set = (x: Obj | undefined) => ({
    ...(x?.cpus !== undefined ? { NanoCPUs: parseCpus(String(x.cpus)) } : {}),
    ...(x?.memory !== undefined ? { MemoryBytes: parseBytes(String(x.memory)) } : {}),
    ...(x?.pids !== undefined ? { Pids: Number(x.pids) } : {}),
  });
  return { Limits: set(r?.limits), Reservations: set(r?.reservations) };
}

function topLevelFiles(stack: string, v: Obj | undefined, ns: Record<string, string>): StackFile[] {
  return Object.entries(v ?? {}).map(([key, d]: [string, any]) => {
    const external = !!d?.external;
    const name =
      d?.name ??
      (external && typeof d.external === 'object' && d.external.name
        ? d.external.name
        : external
          ? key
          : `${stack}_${key}`);
    return { key, name, external, file: d?.file, labels: { ...mapOrList(d?.labels), ...ns } };
  });
}

/** The stack `stack` of the parsed compose document `doc` (interpolated already). */
export function composeToStack(doc: Obj, stack: string): StackPlan {
  const ns = { [NAMESPACE_LABEL]: stack };
  const services = (doc.services ?? {}) as Obj;
  const netDefs = (doc.networks ?? {}) as Obj;
  const netName = (key: string) => {
    const d = netDefs[key];
    if (d?.external) return d.name ?? (typeof d.external === 'object' && d.external.name ? d.external.name : key);
    return d?.name ?? `${stack}_${key}`;
  };
  const usedNets = new Set<string>();
  const secrets = topLevelFiles(stack, doc.secrets, ns);
  const configs = topLevelFiles(stack, doc.configs, ns);
  const specs: ServiceSpec[] = Object.entries(services).map(([name, s]: [string, any]) => {
    const deploy = (s.deploy ?? {}) as Obj;
    const nets: [string, Obj][] = s.networks
      ? Array.isArray(s.networks)
        ? s.networks.map((n: string) => [n, {}] as [string, Obj])
        : Object.entries(s.networks as Obj).map(([n, o]) => [n, (o ?? {}) as Obj] as [string, Obj])
      : [['default', {}] as [string, Obj]];
    for (const [n] of nets) usedNets.add(n);
    const refs = <T>(
      v: unknown,
      defs: StackFile[],
      kind: string,
      mk: (f: StackFile, file: Obj) => T,
    ): T[] | undefined =>
      Array.isArray(v)
        ? v.map((r) => {
            const o: Obj = typeof r === 'string' ? { source: r } : r;
            const def = defs.find((d) => d.key === o.source);
            if (!def) throw new Error(`service "${name}" refers to undefined ${kind} ${o.source}`);
            const target = o.target ?? (kind === 'config' ? `/${o.source}` : o.source);
            return mk(def, {
              Name: target,
              UID: String(o.uid ?? '0'),
              GID: String(o.gid ?? '0'),
              Mode: o.mode === undefined ? 0o444 : typeof o.mode === 'string' ? parseInt(o.mode, 8) : Number(o.mode),
            });
          })
        : undefined;
    const sec = refs<SecretReference>(s.secrets, secrets, 'secret', (d, file) => ({
      File: file as never,
      SecretID: '',
      SecretName: d.name,
    }));
    const cfg = refs<ConfigReference>(s.configs, configs, 'config', (d, file) => ({
      File: file as never,
      ConfigID: '',
      ConfigName: d.name,
    }));
    const rp = deploy.restart_policy as Obj | undefined;
    const pl = deploy.placement as Obj | undefined;
    const mode = deployMode(deploy.mode, deploy.replicas);
    const env: string[] | undefined = Array.isArray(s.environment)
      ? s.environment.map(String)
      : s.environment
        ? Object.entries(s.environment as Obj).map(([k, v]) => (v === null ? k : `${k}=${v}`))
        : undefined;
    const hc = healthCheck(s.healthcheck);
    const spec: ServiceSpec = {
      Name: `${stack}_${name}`,
      Labels: { ...mapOrList(deploy.labels), [IMAGE_LABEL]: s.image, ...ns },
      TaskTemplate: {
        ContainerSpec: {
          Image: s.image,
          Labels: { ...mapOrList(s.labels), ...ns },
          ...(s.entrypoint !== undefined ? { Command: list(s.entrypoint) } : {}),
          ...(s.command !== undefined ? { Args: list(s.command) } : {}),
          ...(env?.length ? { Env: env.sort() } : {}),
          ...(s.hostname ? { Hostname: s.hostname } : {}),
          ...(s.user ? { User: String(s.user) } : {}),
          ...(s.working_dir ? { Dir: s.working_dir } : {}),
          ...(s.stop_grace_period ? { StopGracePeriod: dur(s.stop_grace_period) } : {}),
          ...(s.stop_signal ? { StopSignal: s.stop_signal } : {}),
          ...(hc ? { Healthcheck: hc } : {}),
          ...(sec ? { Secrets: sec } : {}),
          ...(cfg ? { Configs: cfg } : {}),
        },
        Resources: resources(deploy.resources),
        ...(rp
          ? {
              RestartPolicy: {
                ...(rp.condition ? { Condition: rp.condition } : {}),
                ...(rp.delay !== undefined ? { Delay: dur(rp.delay) } : {}),
                ...(rp.max_attempts !== undefined ? { MaxAttempts: Number(rp.max_attempts) } : {}),
                ...(rp.window !== undefined ? { Window: dur(rp.window) } : {}),
              },
            }
          : {}),
        Placement: {
          ...(pl?.constraints ? { Constraints: pl.constraints.map(String) } : {}),
          ...(pl?.preferences
            ? {
                Preferences: (pl.preferences as Obj[]).map((p) => ({ Spread: { SpreadDescriptor: String(p.spread) } })),
              }
            : {}),
          ...(pl?.max_replicas_per_node !== undefined ? { MaxReplicas: Number(pl.max_replicas_per_node) } : {}),
        },
        Networks: nets.map(([n, o]) => ({ Target: netName(n), Aliases: [name, ...((o.aliases as string[]) ?? [])] })),
        ForceUpdate: 0,
      },
      Mode: mode,
      ...(deploy.update_config ? { UpdateConfig: updateConfig(deploy.update_config) } : {}),
      ...(deploy.rollback_config ? { RollbackConfig: updateConfig(deploy.rollback_config) } : {}),
      EndpointSpec: {
        ...(deploy.endpoint_mode ? { Mode: deploy.endpoint_mode } : {}),
        ...(s.ports ? { Ports: ports(s.ports) } : {}),
      },
    };
    return spec;
  });
  const networks: StackNetwork[] = [...usedNets].sort().map((key) => {
    const d = (netDefs[key] ?? {}) as Obj;
    return {
      name: netName(key),
      external: !!d.external,
      driver: d.driver ?? 'overlay',
      ...(d.attachable ? { attachable: true } : {}),
      labels: { ...mapOrList(d.labels), ...ns },
    };
  });
  return { networks, secrets, configs, services: specs };
}

/**
 * deploy.mode and deploy.replicas as docker's stack deploy reads them: a replicated job runs
 * `replicas` completions, `replicas` at a time; global modes take no replicas.
 */
function deployMode(mode: unknown, replicas: unknown): ServiceSpec['Mode'] {
  const n = replicas === undefined ? undefined : Number(replicas);
  switch (mode ?? 'replicated') {
    case 'replicated':
      return { Replicated: { Replicas: n ?? 1 } };
    case 'replicated-job':
      return { ReplicatedJob: n === undefined ? {} : { MaxConcurrent: n, TotalCompletions: n } };
    case 'global':
    case 'global-job':
      if (n !== undefined) throw new Error('replicas can only be used with replicated or replicated-job mode');
      return mode === 'global' ? { Global: {} } : { GlobalJob: {} };
    default:
      throw new Error(`Unknown mode: ${String(mode)}`);
  }
}
