/**
 * Reads of the swarm API on a follower wait until its store has caught up with the leader's
 * commits (Manager.syncForRead): a node label written through one manager is then never
 * missing from `node ls` on another, however far behind that one's log was (just restarted,
 * say). Nodes that are no manager pass through; their routes answer as they do. Without a
 * leader the reads fail with Docker's 503, except the network routes: Docker's daemon lists
 * and inspects its local networks whether the cluster answers or not.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { SwarmControl } from './swarm-control';
import type { Manager } from '../manager';

const SWARM_READS = ['/swarm', '/nodes', '/services', '/tasks', '/secrets', '/configs', '/networks'];
const LOCAL_TOO = '/networks';

export function consistentReads(sc: SwarmControl): Router {
  const r = Router();
  r.use(SWARM_READS, (req: Request, _res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let m: Manager;
    try {
      m = sc.manager();
    } catch {
      return next();
    }
    const lenient = req.baseUrl === LOCAL_TOO;
    m.syncForRead().then(
      () => next(),
      (err: unknown) => (lenient ? next() : next(err)),
    );
  });
  return r;
}
