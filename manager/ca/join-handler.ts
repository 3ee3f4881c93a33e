/**
 * A join on any manager: check the token, sign the node's CSR, create its Node object and, for
 * a manager token, make it a raft learner (the leader promotes it to voter once it has caught
 * up). The node learns its id, certificate, the CA and the managers.
 */
import type { NodeDescription, NodeObject } from '../../src/api';
import { generateNodeId, matchJoinToken } from '../../src/pki';
import type { JoinRequest, JoinResponse, ManagerPeer, RaftJoinResponse } from '../../src/rpc';
import type { MemoryStore } from '../../src/store';
import { InvalidJoinTokenError } from '../errors';
import type { StoredCluster, StoredNode } from '../internal-fields';
import { issueFor } from './node-ca';

export interface JoinDeps {
  readonly store: MemoryStore;
  /** Makes the node a raft member (on the leader, forwarded if needed). */
  addManager(nodeId: string, advertiseAddr: string): Promise<RaftJoinResponse>;
  managers(): ManagerPeer[];
}

/** The cluster object of a store, or undefined before init has written it. */
export function clusterOf(store: MemoryStore): StoredCluster | undefined {
  return store.view((tx) => tx.find('cluster')[0]) as StoredCluster | undefined;
}

export async function handleJoin(d: JoinDeps, req: JoinRequest, remoteIp: string): Promise<JoinResponse> {
  const cluster = clusterOf(d.store);
  if (!cluster?.JoinTokens) throw new InvalidJoinTokenError();
  const role = matchJoinToken(req.token, { worker: cluster.JoinTokens.Worker, manager: cluster.JoinTokens.Manager });
  if (!role) throw new InvalidJoinTokenError();
  const nodeId = generateNodeId();
  const issued = issueFor(cluster, req.csr, nodeId, role, req.advertiseAddr);
  const host = req.advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') || remoteIp;
  const description: NodeDescription = {
    ...((req.description ?? {}) as NodeDescription),
    Hostname: req.hostname,
    TLSInfo: cluster.TLSInfo,
  };
  const node: Omit<StoredNode, 'Version' | 'CreatedAt' | 'UpdatedAt'> = {
    ID: nodeId,
    Spec: { Labels: {}, Role: role, Availability: req.availability ?? 'active' },
    Description: description,
    Status: { State: 'unknown', Addr: host },
    ...(role === 'manager' ? { ManagerStatus: { Reachability: 'unknown', Addr: req.advertiseAddr } } : {}),
    Internal: { certSerial: issued.serial },
  };
  await d.store.update((tx) => tx.create('node', node as unknown as NodeObject));
  const raft = role === 'manager' ? await d.addManager(nodeId, req.advertiseAddr) : undefined;
  return {
    nodeId,
    role,
    clusterId: cluster.ID,
    certificate: issued.certPem,
    ca: cluster.TLSInfo!.TrustRoot!,
    managers: d.managers(),
    ...(raft ? { raft } : {}),
  };
}
