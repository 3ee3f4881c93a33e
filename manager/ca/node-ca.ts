/**
 * The signing side of the swarm's PKI on a manager: every manager holds the CA key (from the
 * replicated Cluster object), so any manager can issue certificates, for a join (after the
 * token check) or a renewal (for the node's current role, which is how a promoted or demoted
 * node gets its new certificate).
 */
import { isIP } from 'node:net';
import type { NodeRole } from '../../src/api';
import { CertificateAuthority, DEFAULT_NODE_CERT_VALIDITY_MS, type IssuedCertificate } from '../../src/pki';
import type { StoredCluster } from '../internal-fields';

const cache = new WeakMap<object, CertificateAuthority>();

/** The CA of the cluster object (cached per object version, since objects are frozen and shared). */
export function caOf(cluster: StoredCluster): CertificateAuthority {
  let ca = cache.get(cluster);
  if (!ca) {
    const certPem = cluster.TLSInfo?.TrustRoot;
    const keyPem = cluster.Internal?.caKey;
    if (!certPem || !keyPem) throw new Error('cluster object has no CA');
    ca = new CertificateAuthority({ certPem, keyPem });
    cache.set(cluster, ca);
  }
  return ca;
}

/** Issues a node certificate under the cluster's CA, with the cluster's NodeCertExpiry. */
export function issueFor(
  cluster: StoredCluster,
  csrPem: string,
  nodeId: string,
  role: NodeRole,
  addr?: string,
): IssuedCertificate {
  const ns = cluster.Spec.CAConfig?.NodeCertExpiry;
  const validityMs = ns && ns > 0 ? Math.max(60 * 60 * 1000, Math.round(ns / 1e6)) : DEFAULT_NODE_CERT_VALIDITY_MS;
  const host = addr ? addr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') : '';
  return caOf(cluster).issueNodeCertificate(csrPem, {
    nodeId,
    role,
    clusterId: cluster.ID,
    validityMs,
    ipAddresses: host && isIP(host) ? [host] : [],
  });
}
