import { Router, json, type NextFunction, type Request, type Response } from 'express';
import { ConflictError, NotFoundError, parseFilters, TsswarmError } from '../../../src/api';
import { filterNetworks, type NetworkManager, type NetworkResource } from '../../network';
import { param } from '../http-util';

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

const isNotFound = (err: unknown) => err instanceof TsswarmError && err.httpStatus === 404;

type Async = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Async) => (req: Request, res: Response, next: NextFunction) => void h(req, res).catch(next);

/**
 * /networks: local networks (the built-in bridge, host and none, user-defined bridges) and,
 * with `swarm`, the swarm's overlay networks in the same list. A name or ID is looked up
 * locally first, then in the swarm; `?scope=swarm|local` picks one side.
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
  r.get('/networks/:id', (req, res) => {
    const ref = param(req, 'id');
    const scope = req.query.scope === undefined ? '' : String(req.query.scope);
    if (scope !== 'swarm') {
      try {
        res.json(net.inspect(ref));
        return;
      } catch (err) {
        if (!isNotFound(err) || scope === 'local' || !swarm) throw err;
      }
    }
    const found = swarm?.find(ref);
    if (!found) throw new NotFoundError('network', ref, { message: `network ${ref} not found` });
    res.json(found);
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
      try {
        await net.removeNetwork(ref);
      } catch (err) {
        if (!isNotFound(err) || !swarm || !(await swarm.remove(ref))) throw err;
      }
      res.status(204).end();
    }),
  );
  return r;
}
