/**
 * The set of node ids removed from the swarm and certificate serials revoked, consulted for every
 * mutual-TLS peer. Pure data: the manager keeps it in the replicated store (toJSON/fromJSON) and
 * each node holds a copy its TLS verifier reads.
 */
import { ForbiddenError, InvalidArgumentError } from '../api';
import { normalizeSerial, type CertificateInput } from './certificate-reader';
import { readNodeIdentity, type NodeIdentity } from './node-identity';

/** Serialized form of a CertificateRegistry (sorted, so equal registries serialize equally). */
export interface CertificateRegistryState {
  readonly removedNodes: string[];
  readonly revokedSerials: string[];
}

/** Removed node ids and revoked serials. */
export class CertificateRegistry {
  readonly #removedNodes = new Set<string>();
  readonly #revokedSerials = new Set<string>();

  constructor(state?: Partial<CertificateRegistryState>) {
    for (const id of state?.removedNodes ?? []) this.removeNode(id);
    for (const serial of state?.revokedSerials ?? []) this.revokeSerial(serial);
  }

  /** Restores a registry from toJSON()'s output. */
  static fromJSON(state: CertificateRegistryState): CertificateRegistry {
    return new CertificateRegistry(state);
  }

  /** Refuses every certificate of this node from now on (`node rm`). */
  removeNode(nodeId: string): void {
    if (typeof nodeId !== 'string' || nodeId === '')
      throw new InvalidArgumentError('nodeId: must be a non-empty string');
    this.#removedNodes.add(nodeId);
  }

  /** Refuses the certificate with this serial (hex, any case, colons allowed). */
  revokeSerial(serial: string): void {
    if (typeof serial !== 'string' || !/^[0-9a-fA-F:]+$/.test(serial)) {
      throw new InvalidArgumentError(`serial: must be hex, got ${JSON.stringify(serial)}`);
    }
    this.#revokedSerials.add(normalizeSerial(serial));
  }

  /** True when the node was removed. */
  isNodeRemoved(nodeId: string): boolean {
    return this.#removedNodes.has(nodeId);
  }

  /** True when the serial was revoked. */
  isSerialRevoked(serial: string): boolean {
    return this.#revokedSerials.has(normalizeSerial(serial));
  }

  /**
   * The peer's identity when its certificate is a swarm node certificate that is neither revoked
   * nor of a removed node; throws ForbiddenError saying which otherwise. Does not check the chain
   * (TLS did) nor cluster or role (see authorizePeer).
   */
  check(peerCert: CertificateInput): NodeIdentity {
    let identity: NodeIdentity;
    try {
      identity = readNodeIdentity(peerCert);
    } catch (err) {
      throw new ForbiddenError(`peer certificate refused: ${(err as Error).message}`, { cause: err });
    }
    if (this.#removedNodes.has(identity.nodeId)) {
      throw new ForbiddenError(`peer certificate refused: node ${identity.nodeId} was removed from the swarm`);
    }
    if (this.#revokedSerials.has(identity.serial)) {
      throw new ForbiddenError(`peer certificate refused: certificate ${identity.serial} is revoked`);
    }
    return identity;
  }

  /** check() as a boolean. */
  isAllowed(peerCert: CertificateInput): boolean {
    try {
      this.check(peerCert);
      return true;
    } catch {
      return false;
    }
  }

  /** Sorted plain-data form. */
  toJSON(): CertificateRegistryState {
    return { removedNodes: [...this.#removedNodes].sort(), revokedSerials: [...this.#revokedSerials].sort() };
  }
}
