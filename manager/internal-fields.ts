/**
 * What the managers keep in the replicated objects beyond Docker's fields: the CA key and the
 * registry of removed nodes and revoked serials on the Cluster, the raft member id and the
 * certificate serial on each Node. These never leave the API: publicCluster/publicNode strip
 * them (and the join tokens, for callers that must not see them).
 */
import type { ClusterObject, NodeObject } from '../src/api';
import type { CertificateRegistryState } from '../src/pki';

export interface ClusterInternal {
  /** The root CA key, PEM. */
  readonly caKey: string;
  readonly registry: CertificateRegistryState;
}

export interface NodeInternal {
  /** Raft member id while the node is (or is being made) a raft member. */
  readonly raftId?: number;
  /** Serial of the node's newest certificate. */
  readonly certSerial?: string;
  /**
   * The node's load-balancer address on the ingress network ("10.0.0.2/24"), Docker's
   * ingress-sbox endpoint: the routing mesh's source address for what it forwards.
   */
  readonly ingressAddr?: string;
}

export type StoredCluster = ClusterObject & { Internal?: ClusterInternal };
export type StoredNode = NodeObject & { Internal?: NodeInternal };

/** A node's ingress load-balancer address, if the allocator gave it one. */
export function nodeIngressAddr(n: NodeObject): string | undefined {
  return (n as StoredNode).Internal?.ingressAddr;
}

/** The cluster as GET /swarm shows it; JoinTokens only when `withTokens` (a manager asks). */
export function publicCluster(c: StoredCluster, withTokens: boolean): ClusterObject {
  const { Internal: _internal, JoinTokens, ...rest } = structuredClone(c);
  return withTokens && JoinTokens ? { ...rest, JoinTokens } : rest;
}

/** What the API adds to a node from the raft state, computed at read time. */
export interface ManagerView {
  leaderRaftId: number;
  /** Raft ids of the current voters and learners. */
  members: ReadonlySet<number>;
}

/**
 * A node as the API shows it: no Internal; ManagerStatus.Leader from raft's current leader and
 * Reachability from membership and the node's status; no ManagerStatus for a worker.
 */
export function publicNode(n: StoredNode, view: ManagerView): NodeObject {
  const { Internal, ManagerStatus, ...rest } = structuredClone(n);
  const out: NodeObject = rest;
  const raftId = Internal?.raftId;
  if (ManagerStatus && raftId !== undefined && view.members.has(raftId)) {
    const leader = raftId === view.leaderRaftId;
    out.ManagerStatus = {
      ...(leader ? { Leader: true } : {}),
      Reachability: leader || n.Status.State === 'ready' ? 'reachable' : 'unreachable',
      Addr: ManagerStatus.Addr,
    };
  }
  return out;
}
