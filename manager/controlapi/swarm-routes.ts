/**
 * The swarm half of the Docker API: /swarm (init, join, leave, inspect, update) and /nodes
 * (list, inspect, update, remove). Reads come from the local manager's store; writes go
 * through raft.
 */
import { json, Router, type Request, type Response } from 'express';
import { InvalidArgumentError, parseBool, parseFilters, parseIntParam, type NodeObject } from '../../src/api';
import { rotateJoinTokens } from '../../src/pki';
import { NO_LEADER_MESSAGE, ProposalFailedError, SequenceConflictError } from '../../src/store';
import { NoLeaderError } from '../errors';
import { clusterOf } from '../ca/join-handler';
import { mergeSwarmSpec } from '../cluster-defaults';
import { publicCluster, publicNode, type StoredCluster, type StoredNode } from '../internal-fields';
import type { Manager } from '../manager';
import { checkCanRemoveMember } from '../membership/quorum-rules';
import { NODE_FILTERS, nodeMatches } from './node-filters';
import { checkNodeRemoval, planNodeUpdate } from './node-update-rules';
import type { SwarmControl } from './swarm-control';
import { parseInitRequest, parseJoinApiRequest, parseNodeSpec, parseSwarmSpec } from './swarm-schemas';

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap =
  (h: Handler) =>
  (req: Request, res: Response, next: (err?: unknown) => void): void => {
    h(req, res).catch(next);
  };

/**
 * A write through raft. Without a quorum a proposal fails or times out; either way the user
 * is told in Docker's words that the swarm has no leader.
 */
async function write<T>(m: Manager, fn: Parameters<Manager['store']['update']>[0]): Promise<T> {
  try {
    return (await m.store.update(fn)) as T;
  } catch (err) {
    if (err instanceof ProposalFailedError)
      throw new NoLeaderError(err.message === NO_LEADER_MESSAGE ? '' : err.message);
    throw err;
  }
}

function requiredVersion(req: Request): number {
  const v = parseIntParam('version', req.query.version);
  if (v === undefined) throw new InvalidArgumentError('invalid cluster version: version is required');
  return v;
}

function lookupNode(m: Manager, ref: string): StoredNode {
  return m.store.view((tx) => tx.lookup('node', ref)) as StoredNode;
}

function nodeCountByRole(m: Manager, role: 'manager' | 'worker'): number {
  return m.store.view((tx) => tx.find('node').filter((n) => n.Spec.Role === role).length);
}

/** Routes for swarm init/join/leave/inspect/update and the node API. */
export function swarmRoutes(sc: SwarmControl): Router {
  const r = Router();
  r.use(['/swarm', '/nodes'], json({ limit: '1mb', strict: false }));

  r.post(
    '/swarm/init',
    wrap(async (req, res) => {
      const id = await sc.init(parseInitRequest(req.body));
      res.status(200).json(id);
    }),
  );
  r.post(
    '/swarm/join',
    wrap(async (req, res) => {
      await sc.join(parseJoinApiRequest(req.body));
      res.status(200).end();
    }),
  );
  r.post(
    '/swarm/leave',
    wrap(async (req, res) => {
      await sc.leave(parseBool(req.query.force));
      res.status(200).end();
    }),
  );
  r.get(
    '/swarm',
    wrap(async (_req, res) => {
      const m = sc.manager();
      const c = clusterOf(m.store);
      if (!c) throw new InvalidArgumentError('the swarm is still starting');
      res.json(publicCluster(c, true));
    }),
  );
  r.get(
    '/swarm/unlockkey',
    wrap(async (_req, res) => {
      sc.manager();
      res.json({ UnlockKey: '' });
    }),
  );
  r.post(
    '/swarm/update',
    wrap(async (req, res) => {
      const m = sc.manager();
      const version = requiredVersion(req);
      const spec = parseSwarmSpec(req.body);
      const rotateWorker = parseBool(req.query.rotateWorkerToken);
      const rotateManager = parseBool(req.query.rotateManagerToken);
      await write(m, (tx) => {
        const cur = tx.find('cluster')[0] as StoredCluster | undefined;
        if (!cur) throw new InvalidArgumentError('the swarm is still starting');
        if (cur.Version.Index !== version)
          throw new SequenceConflictError('cluster', cur.ID, version, cur.Version.Index);
        const next = structuredClone(cur);
        next.Spec = mergeSwarmSpec(cur.Spec, { ...spec, Name: cur.Spec.Name });
        if (spec.Labels) next.Spec.Labels = spec.Labels;
        if ((rotateWorker || rotateManager) && cur.JoinTokens && cur.TLSInfo?.TrustRoot) {
          const t = rotateJoinTokens(
            { worker: cur.JoinTokens.Worker, manager: cur.JoinTokens.Manager },
            cur.TLSInfo.TrustRoot,
            { worker: rotateWorker, manager: rotateManager },
          );
          next.JoinTokens = { Worker: t.worker, Manager: t.manager };
        }
        tx.update('cluster', next);
      });
      res.status(200).end();
    }),
  );

  r.get(
    '/nodes',
    wrap(async (req, res) => {
      const m = sc.manager();
      const filters = parseFilters(req.query.filters, NODE_FILTERS);
      const view = m.view();
      const nodes = m.store.view((tx) => tx.find('node') as StoredNode[]);
      res.json(nodes.filter((n) => nodeMatches(n, filters)).map((n) => publicNode(n, view)));
    }),
  );
  r.get(
    '/nodes/:id',
    wrap(async (req, res) => {
      const m = sc.manager();
      res.json(publicNode(lookupNode(m, String(req.params.id)), m.view()));
    }),
  );
  r.post(
    '/nodes/:id/update',
    wrap(async (req, res) => {
      const m = sc.manager();
      const version = requiredVersion(req);
      const requested = parseNodeSpec(req.body);
      const node = lookupNode(m, String(req.params.id));
      if (node.Version.Index !== version) throw new SequenceConflictError('node', node.ID, version, node.Version.Index);
      const plan = planNodeUpdate(node.Spec, requested, nodeCountByRole(m, 'manager'));
      const raftId = node.Internal?.raftId;
      if (plan.roleChange === 'demote' && raftId) checkCanRemoveMember(m.membership.voterStates(), raftId);
      await write(m, (tx) => {
        const next = structuredClone(node) as NodeObject;
        next.Spec = plan.spec;
        tx.update('node', next);
      });
      if (plan.roleChange === 'demote' && raftId && m.view().members.has(raftId)) await m.removeMember(raftId);
      res.status(200).end();
    }),
  );
  r.delete(
    '/nodes/:id',
    wrap(async (req, res) => {
      const m = sc.manager();
      const force = parseBool(req.query.force);
      const node = lookupNode(m, String(req.params.id));
      const raftId = node.Internal?.raftId;
      const isRaftMember = raftId !== undefined && m.view().members.has(raftId);
      const plan = checkNodeRemoval(
        { id: node.ID, role: node.Spec.Role, state: node.Status.State, isRaftMember },
        force,
      );
      if (plan.removeFromRaft && raftId) {
        checkCanRemoveMember(m.membership.voterStates(), raftId);
        await m.removeMember(raftId);
      }
      await write(m, (tx) => {
        const c = tx.find('cluster')[0] as StoredCluster | undefined;
        if (c?.Internal) {
          const next = structuredClone(c) as StoredCluster & {
            Internal: { caKey: string; registry: { removedNodes: string[]; revokedSerials: string[] } };
          };
          const removed = new Set(next.Internal.registry.removedNodes);
          removed.add(node.ID);
          next.Internal = {
            ...next.Internal,
            registry: { ...next.Internal.registry, removedNodes: [...removed].sort() },
          };
          tx.update('cluster', next);
        }
        tx.delete('node', node.ID);
      });
      res.status(200).end();
    }),
  );
  return r;
}
