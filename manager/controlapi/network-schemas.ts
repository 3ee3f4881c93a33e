/**
 * The body of `POST /networks/create` for a swarm network, validated once with one zod schema
 * (Go's decoding rules, zod-go.ts), then checked the way Docker checks it: a name, the overlay
 * driver, the default IPAM driver with at most one IPv4 subnet, no IPv6 and no config-only.
 */
import { z } from 'zod';
import { InvalidArgumentError, type Labels } from '../../src/api';
import { goObject, labelsSchema, opt, parseBody } from './zod-go';

const stringMap = opt(z.record(z.string(), z.string()));

const ipamConfig = goObject({
  Subnet: opt(z.string()),
  IPRange: opt(z.string()),
  Gateway: opt(z.string()),
  AuxiliaryAddresses: stringMap,
});

const createBody = goObject({
  Name: opt(z.string()),
  Driver: opt(z.string()),
  Scope: opt(z.string()),
  Internal: opt(z.boolean()),
  Attachable: opt(z.boolean()),
  Ingress: opt(z.boolean()),
  EnableIPv6: opt(z.boolean()),
  ConfigOnly: opt(z.boolean()),
  ConfigFrom: opt(goObject({ Network: opt(z.string()) })),
  IPAM: opt(goObject({ Driver: opt(z.string()), Config: opt(z.array(ipamConfig)), Options: stringMap })),
  Options: stringMap,
  Labels: labelsSchema,
  CheckDuplicate: opt(z.boolean()),
});

type CreateBody = z.infer<typeof createBody>;

/** A swarm network create request, checked. */
export interface SwarmNetworkCreate {
  readonly name: string;
  readonly labels: Labels;
  readonly options: Record<string, string>;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly ingress: boolean;
  readonly subnet?: string;
  readonly gateway?: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Parses and checks the body; InvalidArgumentError (400) names the field. */
export function parseSwarmNetworkCreate(body: unknown): SwarmNetworkCreate {
  const b = parseBody<CreateBody>(createBody, body, 'network create request');
  const name = b.Name ?? '';
  if (!name) throw new InvalidArgumentError('invalid Name: a network name is required');
  if (!NAME.test(name) || name.length > 128)
    throw new InvalidArgumentError(`invalid Name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (b.Driver !== undefined && b.Driver !== 'overlay')
    throw new InvalidArgumentError(`invalid Driver "${b.Driver}": swarm networks use the "overlay" driver`);
  if (b.Scope !== undefined && b.Scope !== '' && b.Scope !== 'swarm')
    throw new InvalidArgumentError(`invalid Scope "${b.Scope}": overlay networks are swarm-scoped`);
  if (b.EnableIPv6) throw new InvalidArgumentError('invalid EnableIPv6: IPv6 is not supported');
  if (b.ConfigOnly || b.ConfigFrom?.Network)
    throw new InvalidArgumentError('invalid ConfigOnly: config-only networks are not supported');
  if (b.Ingress && b.Attachable)
    throw new InvalidArgumentError('invalid Attachable: an ingress network cannot be attachable');
  const ipam = b.IPAM;
  if (ipam?.Driver && ipam.Driver !== 'default')
    throw new InvalidArgumentError(`invalid IPAM.Driver "${ipam.Driver}": only "default" is supported`);
  const configs = ipam?.Config ?? [];
  if (configs.length > 1) throw new InvalidArgumentError('invalid IPAM.Config: one subnet per network is supported');
  const c = configs[0];
  if (c?.IPRange) throw new InvalidArgumentError('invalid IPAM.Config[0].IPRange: not supported');
  if (c?.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length)
    throw new InvalidArgumentError('invalid IPAM.Config[0].AuxiliaryAddresses: not supported');
  if (c && !c.Subnet)
    throw new InvalidArgumentError('invalid IPAM.Config[0].Subnet: required when IPAM.Config is given');
  return {
    name,
    labels: b.Labels ?? {},
    options: b.Options ?? {},
    internal: b.Internal ?? false,
    attachable: b.Attachable ?? false,
    ingress: b.Ingress ?? false,
    subnet: c?.Subnet,
    gateway: c?.Gateway || undefined,
  };
}
