/**
 * The JSON endpoints of a manager's cluster port (see src/rpc/protocol.ts): the CA, join,
 * renew, and the leader's raft membership calls. Plain node:http: this is node-to-node wire,
 * not the Docker API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ForbiddenError, NotFoundError } from '../src/api';
import type { NodeIdentity } from '../src/pki';
import { readJsonBody, RPC_PATHS, sendRpcError, type RenewResponse } from '../src/rpc';
import { clusterOf, handleJoin, type JoinDeps } from './ca/join-handler';
import { parseJoinRequest, parseRaftJoinRequest, parseRaftRemoveRequest, parseRenewRequest } from './ca/join-schema';
import { issueFor } from './ca/node-ca';
import type { StoredNode } from './internal-fields';
import type { RaftMembership } from './membership/raft-membership';

export interface EndpointDeps extends JoinDeps {
  readonly membership: RaftMembership;
  /** GET /tsswarm/v1/logs (streams its own answer and errors). */
  logs?(req: IncomingMessage, res: ServerResponse): void;
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Routes one cluster-port request; errors go back as {"message"} with their status. */
export function serveClusterRequest(
  d: EndpointDeps,
  req: IncomingMessage,
  res: ServerResponse,
  peer: NodeIdentity | undefined,
): void {
  const path = (req.url ?? '').split('?')[0];
  const run = async (): Promise<unknown> => {
    if (req.method === 'GET' && path === RPC_PATHS.ca) {
      const ca = clusterOf(d.store)?.TLSInfo?.TrustRoot;
      if (!ca) throw new NotFoundError('root CA', 'cluster');
      res.writeHead(200, { 'Content-Type': 'application/x-pem-file' }).end(ca);
      return undefined;
    }
    if (req.method === 'POST' && path === RPC_PATHS.join) {
      return handleJoin(d, parseJoinRequest(await readJsonBody(req)), req.socket.remoteAddress ?? '');
    }
    if (!peer) throw new ForbiddenError('peer certificate refused: no certificate');
    if (req.method === 'POST' && path === RPC_PATHS.renew)
      return renew(d, peer, parseRenewRequest(await readJsonBody(req)).csr);
    if (peer.role !== 'manager') throw new ForbiddenError(`peer certificate refused: ${path} is for managers`);
    if (req.method === 'POST' && path === RPC_PATHS.raftJoin) {
      const r = parseRaftJoinRequest(await readJsonBody(req));
      return d.membership.addLearner(r.nodeId, r.advertiseAddr);
    }
    if (req.method === 'GET' && path === RPC_PATHS.logs && d.logs) {
      d.logs(req, res);
      return undefined;
    }
    if (req.method === 'POST' && path === RPC_PATHS.raftRemove) {
      await d.membership.remove(parseRaftRemoveRequest(await readJsonBody(req)).raftId, true);
      return {};
    }
    throw new NotFoundError('endpoint', path ?? '', { message: 'page not found' });
  };
  run().then(
    (body) => {
      if (body !== undefined) sendJson(res, body);
    },
    (err) => sendRpcError(res, err),
  );
}

/** A certificate for the node's current role (Spec.Role), so renewal also carries promotions. */
async function renew(d: EndpointDeps, peer: NodeIdentity, csr: string): Promise<RenewResponse> {
  const cluster = clusterOf(d.store);
  const node = d.store.view((tx) => tx.get('node', peer.nodeId)) as StoredNode | undefined;
  if (!cluster || !node) throw new ForbiddenError(`node ${peer.nodeId} is not in the swarm`);
  const role = node.Spec.Role;
  const issued = issueFor(cluster, csr, node.ID, role, node.ManagerStatus?.Addr ?? node.Status.Addr);
  await d.store.update((tx) => {
    const cur = tx.get('node', node.ID) as StoredNode | undefined;
    if (!cur) return;
    const next = structuredClone(cur) as StoredNode & { Internal: Record<string, unknown> };
    next.Internal = { ...(cur.Internal ?? {}), certSerial: issued.serial };
    tx.update('node', next);
  });
  return { certificate: issued.certPem, role };
}
