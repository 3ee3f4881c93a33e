/** The cluster-port join and renew bodies, validated once at the edge. */
import { z } from 'zod';
import { InvalidArgumentError } from '../../src/api';
import type { JoinRequest, RaftJoinRequest, RaftRemoveRequest, RenewRequest } from '../../src/rpc';

const joinSchema = z
  .object({
    token: z.string(),
    csr: z.string().min(1),
    hostname: z.string().max(255),
    advertiseAddr: z.string().max(300),
    availability: z.enum(['active', 'pause', 'drain']).optional(),
    description: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

function parse<T>(schema: z.ZodTypeAny, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidArgumentError(`${what}: ${i.path.join('.') || 'body'}: ${i.message}`);
  }
  return r.data as T;
}

export const parseJoinRequest = (b: unknown): JoinRequest => parse(joinSchema, b, 'join');
export const parseRenewRequest = (b: unknown): RenewRequest =>
  parse(z.object({ csr: z.string().min(1) }).strict(), b, 'renew');
export const parseRaftJoinRequest = (b: unknown): RaftJoinRequest =>
  parse(z.object({ nodeId: z.string().min(1), advertiseAddr: z.string().min(3) }).strict(), b, 'raft join');
export const parseRaftRemoveRequest = (b: unknown): RaftRemoveRequest =>
  parse(z.object({ raftId: z.number().int().positive() }).strict(), b, 'raft remove');
