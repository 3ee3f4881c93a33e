import { z } from 'zod';
import { InvalidArgumentError } from '../../../src/api';
import { validateHealthcheck } from './health-config';
import { parseSecurityOpts } from './security-opts';

const stringMap = z.record(z.string(), z.string());
const portBinding = z.object({ HostIp: z.string().optional(), HostPort: z.string().optional() }).passthrough();

/** Docker's HostConfig, the fields tsswarmd acts on; others Docker accepts are let through and ignored. */
const hostConfigSchema = z
  .object({
    Binds: z.array(z.string()).nullish(),
    Mounts: z
      .array(
        z
          .object({
            Type: z.enum(['bind', 'volume', 'tmpfs']),
            Source: z.string().optional(),
            Target: z.string(),
            ReadOnly: z.boolean().optional(),
          })
          .passthrough(),
      )
      .nullish(),
    PortBindings: z.record(z.string(), z.array(portBinding).nullable()).nullish(),
    NetworkMode: z.string().optional(),
    RestartPolicy: z
      .object({
        Name: z.enum(['', 'no', 'always', 'on-failure', 'unless-stopped']).optional(),
        MaximumRetryCount: z.number().int().min(0).optional(),
      })
      .passthrough()
      .nullish(),
    AutoRemove: z.boolean().optional(),
    Memory: z.number().int().min(0).optional(),
    MemorySwap: z.number().int().optional(),
    NanoCpus: z.number().int().min(0).optional(),
    CpuShares: z.number().int().min(0).optional(),
    CpuQuota: z.number().int().min(0).optional(),
    CpuPeriod: z.number().int().min(0).optional(),
    PidsLimit: z.number().int().nullish(),
    Privileged: z.boolean().optional(),
    CapAdd: z.array(z.string()).nullish(),
    CapDrop: z.array(z.string()).nullish(),
    SecurityOpt: z.array(z.string()).nullish(),
    ExtraHosts: z.array(z.string()).nullish(),
    Dns: z.array(z.string()).nullish(),
    ReadonlyRootfs: z.boolean().optional(),
    Init: z.boolean().nullish(),
  })
  .passthrough();

/** Docker's HealthConfig; durations in ns, checked by validateHealthcheck with Docker's messages. */
const healthcheckSchema = z
  .object({
    Test: z.array(z.string()).nullish(),
    Interval: z.number().int().optional(),
    Timeout: z.number().int().optional(),
    StartPeriod: z.number().int().optional(),
    StartInterval: z.number().int().optional(),
    Retries: z.number().int().optional(),
  })
  .strip();

/** The body of POST /containers/create. */
export const containerCreateSchema = z
  .object({
    Image: z.string({ required_error: 'Image is required' }).min(1, 'Image is required'),
    Cmd: z.union([z.array(z.string()), z.string()]).nullish(),
    Entrypoint: z.union([z.array(z.string()), z.string()]).nullish(),
    Env: z.array(z.string()).nullish(),
    WorkingDir: z.string().optional(),
    User: z.string().optional(),
    Hostname: z.string().optional(),
    Domainname: z.string().optional(),
    Labels: stringMap.nullish(),
    Tty: z.boolean().optional(),
    OpenStdin: z.boolean().optional(),
    StdinOnce: z.boolean().optional(),
    AttachStdin: z.boolean().optional(),
    AttachStdout: z.boolean().optional(),
    AttachStderr: z.boolean().optional(),
    ExposedPorts: z.record(z.string(), z.object({}).passthrough()).nullish(),
    StopSignal: z.string().optional(),
    StopTimeout: z.number().int().nullish(),
    Healthcheck: healthcheckSchema.nullish(),
    Shell: z.array(z.string()).nullish(),
    Volumes: z.record(z.string(), z.object({}).passthrough()).nullish(),
    HostConfig: hostConfigSchema.nullish(),
    NetworkingConfig: z.object({}).passthrough().nullish(),
  })
  .passthrough();

export type ContainerCreateBody = z.infer<typeof containerCreateSchema>;
export type HostConfig = z.infer<typeof hostConfigSchema>;

/** Validates a create body once, at the edge; the error names the offending field. */
export function parseContainerCreate(body: unknown): ContainerCreateBody {
  const r = containerCreateSchema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.') || 'body';
    throw new InvalidArgumentError(`invalid container config: ${field}: ${issue.message}`);
  }
  const hc = r.data.HostConfig;
  if (hc?.Binds) for (const b of hc.Binds) validateBind(b);
  parseSecurityOpts(hc?.SecurityOpt);
  validateHealthcheck(r.data.Healthcheck);
  return r.data;
}

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's container name rule; returns the name without its leading slash. */
export function validateContainerName(name: string): string {
  if (!NAME_RE.test(name))
    throw new InvalidArgumentError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.replace(/^\//, '');
}

/** A -v spec: "/host:/ctr[:ro|rw]" or "volume:/ctr[:ro|rw]". */
export function validateBind(spec: string): { source: string; target: string; readOnly: boolean; isVolume: boolean } {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1])
    throw new InvalidArgumentError(`invalid volume specification: '${spec}'`);
  const [source, target, mode = 'rw'] = parts;
  if (!target.startsWith('/'))
    throw new InvalidArgumentError(
      `invalid volume specification: '${spec}': invalid mount config: the mount destination must be an absolute path`,
    );
  if (!['ro', 'rw', 'z', 'Z'].some((m) => mode.split(',').includes(m)))
    throw new InvalidArgumentError(`invalid mode: ${mode}`);
  const isVolume = !source.startsWith('/');
  if (isVolume && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(source)) {
    throw new InvalidArgumentError(
      `invalid volume specification: '${spec}': "${source}" includes invalid characters for a local volume name; for a bind mount use an absolute path`,
    );
  }
  return { source, target, readOnly: mode.split(',').includes('ro'), isVolume };
}
