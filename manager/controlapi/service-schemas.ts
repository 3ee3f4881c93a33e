/**
 * The bodies of the service, secret and config routes, each validated once at the edge with
 * one zod schema (Docker's field names, Go's decoding rules: see zod-go.ts). What comes out is
 * typed with src/api's object model; the semantic checks Docker makes after decoding are in
 * service-spec-rules.ts.
 */
import { z } from 'zod';
import type { ConfigSpec, SecretSpec, ServiceSpec } from '../../src/api';
import { goObject, int, labelsSchema, opt, parseBody, uint } from './zod-go';

const strings = opt(z.array(z.string()));
const stringMap = opt(z.record(z.string(), z.string()));
const driver = opt(goObject({ Name: opt(z.string()), Options: stringMap }));

const fileTarget = opt(goObject({ Name: z.string(), UID: opt(z.string()), GID: opt(z.string()), Mode: opt(uint) }));
const secretRef = goObject({
  File: fileTarget,
  Runtime: opt(z.object({}).strip()),
  SecretID: opt(z.string()),
  SecretName: opt(z.string()),
});
const configRef = goObject({
  File: fileTarget,
  Runtime: opt(z.object({}).strip()),
  ConfigID: opt(z.string()),
  ConfigName: opt(z.string()),
});

const mount = goObject({
  Target: opt(z.string()),
  Source: opt(z.string()),
  Type: opt(z.enum(['bind', 'volume', 'tmpfs', 'npipe', 'cluster'])),
  ReadOnly: opt(z.boolean()),
  Consistency: opt(z.string()),
  BindOptions: opt(goObject({ Propagation: opt(z.string()), NonRecursive: opt(z.boolean()) })),
  VolumeOptions: opt(goObject({ NoCopy: opt(z.boolean()), Labels: labelsSchema, DriverConfig: driver })),
  TmpfsOptions: opt(goObject({ SizeBytes: opt(int), Mode: opt(uint) })),
});

const healthCheck = goObject({
  Test: strings,
  Interval: opt(int),
  Timeout: opt(int),
  Retries: opt(int),
  StartPeriod: opt(int),
  StartInterval: opt(int),
});

const containerSpec = goObject({
  Image: opt(z.string()),
  Labels: labelsSchema,
  Command: strings,
  Args: strings,
  Hostname: opt(z.string()),
  Env: strings,
  Dir: opt(z.string()),
  User: opt(z.string()),
  Groups: strings,
  Privileges: opt(
    goObject({
      CredentialSpec: opt(z.unknown()),
      SELinuxContext: opt(z.unknown()),
      Seccomp: opt(
        goObject({ Mode: opt(z.enum(['default', 'unconfined', 'custom'])), Profile: opt(z.string()) }).refine(
          (sc) => sc.Mode !== 'custom' || !!sc.Profile,
          { message: 'a custom seccomp mode needs a Profile' },
        ),
      ),
      AppArmor: opt(goObject({ Mode: opt(z.string()) })),
      NoNewPrivileges: opt(z.boolean()),
    }),
  ),
  TTY: opt(z.boolean()),
  OpenStdin: opt(z.boolean()),
  ReadOnly: opt(z.boolean()),
  Mounts: opt(z.array(mount)),
  StopSignal: opt(z.string()),
  StopGracePeriod: opt(int),
  Healthcheck: opt(healthCheck),
  Hosts: strings,
  DNSConfig: opt(goObject({ Nameservers: strings, Search: strings, Options: strings })),
  Secrets: opt(z.array(secretRef)),
  Configs: opt(z.array(configRef)),
  Isolation: opt(z.string()),
  Init: opt(z.boolean()),
  Sysctls: stringMap,
  CapabilityAdd: strings,
  CapabilityDrop: strings,
  Ulimits: opt(z.array(goObject({ Name: z.string(), Soft: int, Hard: int }))),
});

const resourceSet = goObject({
  NanoCPUs: opt(int),
  MemoryBytes: opt(int),
  Pids: opt(int),
  GenericResources: opt(z.array(z.unknown())),
});

const network = goObject({ Target: z.string(), Aliases: strings, DriverOpts: stringMap });

const taskSpec = goObject({
  PluginSpec: opt(z.unknown()),
  ContainerSpec: opt(containerSpec),
  NetworkAttachmentSpec: opt(goObject({ ContainerID: z.string() })),
  Resources: opt(goObject({ Limits: opt(resourceSet), Reservations: opt(resourceSet) })),
  RestartPolicy: opt(
    goObject({
      Condition: opt(z.enum(['none', 'on-failure', 'any'])),
      Delay: opt(int),
      MaxAttempts: opt(uint),
      Window: opt(int),
    }),
  ),
  Placement: opt(
    goObject({
      Constraints: strings,
      Preferences: opt(z.array(goObject({ Spread: goObject({ SpreadDescriptor: z.string() }) }))),
      MaxReplicas: opt(uint),
      Platforms: opt(z.array(goObject({ Architecture: opt(z.string()), OS: opt(z.string()) }))),
    }),
  ),
  ForceUpdate: opt(uint),
  Runtime: opt(z.string()),
  Networks: opt(z.array(network)),
  LogDriver: driver,
});

const updateConfig = goObject({
  Parallelism: opt(uint),
  Delay: opt(int),
  FailureAction: opt(z.union([z.enum(['continue', 'pause', 'rollback']), z.literal('')])),
  Monitor: opt(int),
  MaxFailureRatio: opt(z.number()),
  Order: opt(z.union([z.enum(['stop-first', 'start-first']), z.literal('')])),
});

const port = goObject({
  Name: opt(z.string()),
  Protocol: opt(z.union([z.enum(['tcp', 'udp', 'sctp']), z.literal('')])),
  TargetPort: opt(z.number().int().min(0).max(65535)),
  PublishedPort: opt(z.number().int().min(0).max(65535)),
  PublishMode: opt(z.union([z.enum(['ingress', 'host']), z.literal('')])),
});

const serviceSpec = goObject({
  Name: opt(z.string()),
  Labels: labelsSchema,
  TaskTemplate: opt(taskSpec),
  Mode: opt(
    goObject({
      Replicated: opt(goObject({ Replicas: opt(uint) })),
      Global: opt(z.object({}).strip()),
      ReplicatedJob: opt(goObject({ MaxConcurrent: opt(uint), TotalCompletions: opt(uint) })),
      GlobalJob: opt(z.object({}).strip()),
    }),
  ),
  UpdateConfig: opt(updateConfig),
  RollbackConfig: opt(updateConfig),
  Networks: opt(z.array(network)),
  EndpointSpec: opt(
    goObject({ Mode: opt(z.union([z.enum(['vip', 'dnsrr']), z.literal('')])), Ports: opt(z.array(port)) }),
  ),
});

const secretSpec = goObject({
  Name: opt(z.string()),
  Labels: labelsSchema,
  Data: opt(z.string()),
  Driver: driver,
  Templating: driver,
});

const configSpec = goObject({ Name: opt(z.string()), Labels: labelsSchema, Data: opt(z.string()), Templating: driver });

/** A ServiceSpec as decoded; Name and TaskTemplate may still be missing (service-spec-rules checks them). */
export type DecodedServiceSpec = Partial<ServiceSpec>;

export function parseServiceSpec(body: unknown): DecodedServiceSpec {
  return parseBody<DecodedServiceSpec>(serviceSpec, body, 'ServiceSpec');
}

export function parseSecretSpec(body: unknown): Partial<SecretSpec> {
  return parseBody<Partial<SecretSpec>>(secretSpec, body, 'SecretSpec');
}

export function parseConfigSpec(body: unknown): Partial<ConfigSpec> {
  return parseBody<Partial<ConfigSpec>>(configSpec, body, 'ConfigSpec');
}
