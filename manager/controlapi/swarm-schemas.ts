/** Bodies of the swarm and node routes, validated once at the edge (Docker's field names). */
import { z } from 'zod';
import { InvalidArgumentError, type NodeSpec, type SwarmSpec } from '../../src/api';
import type { InitRequest, JoinApiRequest } from './swarm-control';

const availability = z.enum(['active', 'pause', 'drain']);
const labels = z.record(z.string(), z.string()).nullish();
const num = z.number().int().min(0).nullish();

const swarmSpec = z
  .object({
    Name: z.string().optional(),
    Labels: labels,
    Orchestration: z.object({ TaskHistoryRetentionLimit: z.number().int().nullish() }).passthrough().nullish(),
    Raft: z
      .object({
        SnapshotInterval: num,
        KeepOldSnapshots: num,
        LogEntriesForSlowFollowers: num,
        ElectionTick: num,
        HeartbeatTick: num,
      })
      .passthrough()
      .nullish(),
    Dispatcher: z.object({ HeartbeatPeriod: num }).passthrough().nullish(),
    CAConfig: z.object({ NodeCertExpiry: num }).passthrough().nullish(),
    TaskDefaults: z.object({}).passthrough().nullish(),
    EncryptionConfig: z.object({ AutoLockManagers: z.boolean().nullish() }).passthrough().nullish(),
  })
  .passthrough();

const initSchema = z
  .object({
    ListenAddr: z.string().optional(),
    AdvertiseAddr: z.string().optional(),
    DataPathAddr: z.string().optional(),
    DataPathPort: z.number().int().optional(),
    ForceNewCluster: z.boolean().optional(),
    Spec: swarmSpec.nullish(),
    AutoLockManagers: z.boolean().optional(),
    Availability: z.union([availability, z.literal('')]).optional(),
    DefaultAddrPool: z.array(z.string()).nullish(),
    SubnetSize: z.number().int().optional(),
  })
  .passthrough();

const joinSchema = z
  .object({
    ListenAddr: z.string().optional(),
    AdvertiseAddr: z.string().optional(),
    DataPathAddr: z.string().optional(),
    RemoteAddrs: z.array(z.string()).min(1, 'at least 1 RemoteAddr is required to join'),
    JoinToken: z.string(),
    Availability: z.union([availability, z.literal('')]).optional(),
  })
  .passthrough();

const nodeSpec = z
  .object({
    Name: z.string().optional(),
    Labels: labels,
    Role: z.enum(['worker', 'manager']),
    Availability: availability,
  })
  .passthrough();

function parse<T>(schema: z.ZodTypeAny, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidArgumentError(`${i.path.join('.') || 'body'}: ${i.message}`);
  }
  return r.data as T;
}

export function parseInitRequest(body: unknown): InitRequest {
  const r = parse<InitRequest & { Availability?: string; Spec?: SwarmSpec | null }>(initSchema, body);
  return {
    ...r,
    Availability: (r.Availability || undefined) as InitRequest['Availability'],
    Spec: r.Spec ?? undefined,
  };
}

export function parseJoinApiRequest(body: unknown): JoinApiRequest {
  const r = parse<JoinApiRequest & { Availability?: string }>(joinSchema, body);
  return { ...r, Availability: (r.Availability || undefined) as JoinApiRequest['Availability'] };
}

export function parseSwarmSpec(body: unknown): SwarmSpec {
  return parse<SwarmSpec>(swarmSpec, body);
}

export function parseNodeSpec(body: unknown): NodeSpec {
  const s = parse<NodeSpec & { Labels?: Record<string, string> | null }>(nodeSpec, body);
  return { ...s, Labels: s.Labels ?? {} };
}
