/**
 * Mutual-TLS settings for node-to-node traffic. Both sides present node certificates signed by the
 * swarm's root CA (node:tls checks the chain); on top of that each side checks the peer's identity:
 * same cluster id (O), an allowed role (OU), not removed, not revoked.
 *
 * Clients get this through `checkServerIdentity` in the options. Servers have no such hook in
 * node:tls, so a server wraps its connection handler in `authorizedConnection`, which destroys a
 * socket whose peer fails the checks before the handler ever sees it.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { ForbiddenError } from '../api';
import type { CertificateInput } from './certificate-reader';
import { CertificateRegistry } from './certificate-registry';
import { readNodeIdentity, type NodeIdentity } from './node-identity';
import type { NodeRole } from './node-role';

/** A node's PEM credentials: its key, its certificate and the root CA certificate. */
export interface NodeCredentials {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

/** Who may be on the other end. */
export interface PeerPolicy {
  /** Required cluster id (O). tlsOptionsFor defaults it to the local certificate's. */
  readonly clusterId: string;
  /** Roles accepted; default both. */
  readonly allowedRoles?: readonly NodeRole[];
  /** Removed nodes and revoked serials; default none. */
  readonly registry?: CertificateRegistry;
}

/**
 * Checks a peer certificate against the policy and returns its identity. Throws ForbiddenError
 * ("peer certificate refused: ...") for a non-node certificate, another cluster, a role not
 * allowed, a removed node or a revoked serial.
 */
export function authorizePeer(peerCert: CertificateInput, policy: PeerPolicy): NodeIdentity {
  const identity = (policy.registry ?? EMPTY_REGISTRY).check(peerCert);
  if (identity.clusterId !== policy.clusterId) {
    throw new ForbiddenError(`peer certificate refused: cluster ${identity.clusterId} is not ${policy.clusterId}`);
  }
  const roles = policy.allowedRoles ?? ['manager', 'worker'];
  if (!roles.includes(identity.role)) {
    throw new ForbiddenError(
      `peer certificate refused: role ${identity.role} is not allowed here (need ${roles.join(' or ')})`,
    );
  }
  return identity;
}

const EMPTY_REGISTRY = new CertificateRegistry();

/** node:tls options for both ends of a node-to-node connection. */
export interface NodeTlsOptions {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
  readonly requestCert: true;
  readonly rejectUnauthorized: true;
  readonly minVersion: 'TLSv1.2';
  /** Client side: replaces hostname checks (nodes dial addresses) with authorizePeer. */
  readonly checkServerIdentity: (hostname: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * TLS options for a node, usable as-is for tls.createServer and tls.connect. The peer policy's
 * cluster id defaults to the one in `node.cert`. Pair the server side with authorizedConnection.
 */
export function tlsOptionsFor(node: NodeCredentials, policy: Partial<PeerPolicy> = {}): NodeTlsOptions {
  const resolved: PeerPolicy = { ...policy, clusterId: policy.clusterId ?? readNodeIdentity(node.cert).clusterId };
  return {
    key: node.key,
    cert: node.cert,
    ca: node.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    checkServerIdentity: (_hostname, cert) => {
      try {
        authorizePeer(cert, resolved);
        return undefined;
      } catch (err) {
        return err as Error;
      }
    },
  };
}

/**
 * The identity of an authenticated TLS peer (the chain was verified by node:tls) that passes the
 * policy. Throws ForbiddenError otherwise.
 */
export function verifyTlsPeer(socket: TLSSocket, policy: PeerPolicy): NodeIdentity {
  if (!socket.authorized) {
    throw new ForbiddenError(`peer certificate refused: ${String(socket.authorizationError ?? 'no certificate')}`);
  }
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw) throw new ForbiddenError('peer certificate refused: no certificate');
  return authorizePeer({ raw: cert.raw }, policy);
}

/**
 * Wraps a tls server's secureConnection handler: peers failing verifyTlsPeer are destroyed (and
 * reported to `onRefused`, if given); the others reach `handler` with their identity.
 */
export function authorizedConnection(
  policy: PeerPolicy,
  handler: (socket: TLSSocket, peer: NodeIdentity) => void,
  onRefused?: (err: ForbiddenError, socket: TLSSocket) => void,
): (socket: TLSSocket) => void {
  return (socket) => {
    let peer: NodeIdentity;
    try {
      peer = verifyTlsPeer(socket, policy);
    } catch (err) {
      onRefused?.(err as ForbiddenError, socket);
      socket.destroy();
      return;
    }
    handler(socket, peer);
  };
}
