import { Router, json, type NextFunction, type Request, type Response } from 'express';
import { ConflictError, NotFoundError, parseFilters } from '../../../src/api';
import { filterNetworks, type NetworkManager, type NetworkResource } from '../../network';
import { param } from '../http-util';
import { resolveNetworkRef } from './network-ref';

/**
 * The swarm-scoped networks (overlay networks in the managers' store), as the daemon wires
 * them in on a node that can be a manager. Reads answer nothing on a node that is no manager;
 * `create` is refused there with Docker's 503.
 */
export interface SwarmNetworkBackend {
  list(): NetworkResource[];
  /** The network `ref` (ID, name, ID prefix) names, or undefined. */
  find(ref: string): NetworkResource | undefined;
  /** `isLocalName` tells whether a local network has the name already. */
  create(body: unknown, isLocalName: (name: string) => boolean): Promise<{ Id: string; Warning: string }>;
  /** False when no swarm network has that reference. */
  remove(ref: string): Promise<boolean>;
}

/** Whether a create body asks for a swarm network: the overlay driver or the swarm scope. */
function isSwarmRequest(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const get = (k: string) =>
    Object.entries(body as Record<string, unknown>).find(([key]) => key.toLowerCase() === k)?.[1];
  return get('driver') === 'overlay' || get('scope') === 'swarm';
}

type Async = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Async) => (req: Request, res: Response, next: NextFunction) => void h(req, res).catch(next);

/**
 * /networks: local networks (the built-in bridge, host and none, user-defined bridges) and,
 * with `swarm`, the swarm's overlay networks in the same list. A reference is resolved over
 * both (resolveNetworkRef); `?scope=swarm|local` picks one side.
 */
export function networkRoutes(net: NetworkManager, swarm?: SwarmNetworkBackend): Router {
  const r = Router();
  const localNamed = (name: string) => net.list().some((n) => n.Name === name);
  r.get('/networks', (req, res) => {
    const filters = parseFilters(req.query.filters, ['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);
    const local = net.list();
    // Docker counts ingress among its predefined networks (type=builtin, never dangling).
    const builtin = new Set(['bridge', 'host', 'none']);
    const isBuiltin = (n: NetworkResource) => (n.Scope === 'swarm' ? n.Ingress : builtin.has(n.Name));
    res.json(filterNetworks([...local, ...(swarm?.list() ?? [])], filters as never, isBuiltin));
  });
  /** The network `ref` names; `scope` (local or swarm) narrows where it is looked for. */
  const resolve = (ref: string, scope = '') =>
    resolveNetworkRef(ref, [
      ...(scope === 'swarm' ? [] : net.list().map((n) => ({ Id: n.Id, Name: n.Name, scope: 'local' as const }))),
      ...(scope === 'local' || !swarm
        ? []
        : swarm.list().map((n) => ({ Id: n.Id, Name: n.Name, scope: 'swarm' as const }))),
    ]);
  r.get('/networks/:id', (req, res) => {
    const ref = param(req, 'id');
    const found = resolve(ref, req.query.scope === undefined ? '' : String(req.query.scope));
    const network = found.scope === 'local' ? net.inspect(found.Id) : swarm?.find(found.Id);
    if (!network) throw new NotFoundError('network', ref, { message: `network ${ref} not found` });
    res.json(network);
  });
  r.post(
    '/networks/create',
    json({ strict: false }),
    wrap(async (req, res) => {
      if (swarm && isSwarmRequest(req.body)) {
        res.status(201).json(await swarm.create(req.body, localNamed));
        return;
      }
      const name = (req.body as { Name?: unknown } | null)?.Name;
      if (typeof name === 'string' && swarm?.find(name)?.Name === name)
        throw new ConflictError(`network with name ${name} already exists`);
      res.status(201).json(await net.createNetwork(req.body));
    }),
  );
  r.delete(
    '/networks/:id',
    wrap(async (req, res) => {
      const ref = param(req, 'id');
      const found = resolve(ref);
      if (found.scope === 'local') await net.removeNetwork(found.Id);
      else if (!(await swarm!.remove(found.Id)))
        throw new NotFoundError('network', ref, { message: `network ${ref} not found` });
      res.status(204).end();
    }),
  );
  return r;
}
