/**
 * The first writes of a new swarm, made by its first manager once it leads: the Cluster object
 * (spec, CA certificate and key, join tokens, empty removal registry), this node's Node object
 * and Docker's `ingress` network, in one batch, so a reader sees all or none.
 */
import type { NodeAvailability, NodeDescription, SwarmSpec } from '../src/api';
import { ingressNetworkObject } from './allocator';
import { certificateParts, createJoinTokens, toX509, type RootCaMaterial } from '../src/pki';
import { defaultSwarmSpec, mergeSwarmSpec } from './cluster-defaults';
import type { StoredCluster, StoredNode } from './internal-fields';
import type { Manager } from './manager';

export interface InitClusterOptions {
  clusterId: string;
  nodeId: string;
  raftId: number;
  advertiseAddr: string;
  ca: RootCaMaterial;
  certSerial: string;
  spec?: SwarmSpec;
  availability?: NodeAvailability;
  description: NodeDescription;
}

/** Docker's TLSInfo of a CA certificate. */
export function tlsInfoOf(caPem: string): {
  TrustRoot: string;
  CertIssuerSubject: string;
  CertIssuerPublicKey: string;
} {
  const parts = certificateParts(toX509(caPem));
  return {
    TrustRoot: caPem,
    CertIssuerSubject: parts.subject.toString('base64'),
    CertIssuerPublicKey: parts.subjectPublicKeyInfo.toString('base64'),
  };
}

export async function initCluster(m: Manager, o: InitClusterOptions): Promise<void> {
  const tokens = createJoinTokens(o.ca.certPem);
  const tlsInfo = tlsInfoOf(o.ca.certPem);
  const cluster: Omit<StoredCluster, 'Version' | 'CreatedAt' | 'UpdatedAt'> = {
    ID: o.clusterId,
    Spec: mergeSwarmSpec(defaultSwarmSpec(), o.spec),
    TLSInfo: tlsInfo,
    RootRotationInProgress: false,
    DefaultAddrPool: null,
    SubnetSize: 24,
    DataPathPort: 4789,
    JoinTokens: { Worker: tokens.worker, Manager: tokens.manager },
    Internal: { caKey: o.ca.keyPem, registry: { removedNodes: [], revokedSerials: [] } },
  };
  const host = o.advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const node: Omit<StoredNode, 'Version' | 'CreatedAt' | 'UpdatedAt'> = {
    ID: o.nodeId,
    Spec: { Labels: {}, Role: 'manager', Availability: o.availability ?? 'active' },
    Description: { ...o.description, TLSInfo: tlsInfo },
    Status: { State: 'ready', Addr: host },
    ManagerStatus: { Reachability: 'reachable', Addr: o.advertiseAddr },
    Internal: { raftId: o.raftId, certSerial: o.certSerial },
  };
  await m.store.update((tx) => {
    tx.create('cluster', cluster as never);
    tx.create('node', node as never);
    tx.create('network', ingressNetworkObject());
  });
}
