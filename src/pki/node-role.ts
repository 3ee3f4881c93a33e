/** Node roles and the OU names swarmkit puts in certificates for them. */
import { InvalidArgumentError } from '../api';

/** A node's role in the swarm, as the Docker API spells it. */
export type NodeRole = 'manager' | 'worker';

/** The certificate OU of each role (swarmkit's ManagerRole / WorkerRole). */
export const ROLE_OU: Readonly<Record<NodeRole, string>> = {
  manager: 'swarm-manager',
  worker: 'swarm-worker',
};

/** CN of the swarm's root CA (swarmkit's DefaultRootCN). */
export const ROOT_CA_CN = 'swarm-ca';

/** The role an OU names, or undefined for any other OU. */
export function roleFromOu(ou: string | undefined): NodeRole | undefined {
  if (ou === ROLE_OU.manager) return 'manager';
  if (ou === ROLE_OU.worker) return 'worker';
  return undefined;
}

/** Throws InvalidArgumentError naming `field` unless `role` is "manager" or "worker". */
export function assertRole(role: unknown, field = 'role'): asserts role is NodeRole {
  if (role !== 'manager' && role !== 'worker') {
    throw new InvalidArgumentError(`${field}: must be "manager" or "worker", got ${JSON.stringify(role)}`);
  }
}

/**
 * Node and cluster ids go into subjects and DNS SANs, so they are limited to what a DNS label holds:
 * letters, digits and '-', 1..63 characters. Throws InvalidArgumentError naming `field`.
 */
export function assertIdentifier(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError(`${field}: must be 1-63 letters, digits or '-', got ${JSON.stringify(value)}`);
  }
}
