import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { API_VERSION, compareApiVersions, InvalidArgumentError, MIN_API_VERSION, toTsswarmError } from '../../src/api';
import type { Logger } from '../../src/util';
import type { ContainerService } from '../engine/containers';
import type { EventBus } from '../events';
import type { NetworkManager } from '../network';
import type { ImageBackend } from './image-backend';
import { containerRoutes } from './routes/containers';
import { execRoutes } from './routes/exec';
import { imageRoutes } from './routes/images';
import { networkRoutes, type SwarmNetworkBackend } from './routes/networks';
import { systemRoutes, type SystemInfoSource } from './routes/system';

export interface ApiDeps {
  containers: ContainerService;
  images?: ImageBackend;
  network: NetworkManager;
  /** The swarm's overlay networks, listed and served next to the local ones (wired by the daemon). */
  swarmNetworks?: SwarmNetworkBackend;
  events: EventBus;
  system: SystemInfoSource;
  logger: Logger;
  /** Counts requests for /metrics. */
  onRequest?: (method: string, route: string, status: number) => void;
  /** Middleware run before every route (the swarm API's consistent reads). */
  beforeRoutes?: Router[];
  /** Routers mounted after the engine's own (the swarm API, wired by the daemon). */
  extraRouters?: Router[];
}

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

/**
 * Strips /vX.Y from the path (unversioned paths are served too); a version below the minimum
 * is refused as Docker refuses it, one above ours is served as ours.
 */
export function apiVersionMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const m = VERSION_PREFIX.exec(req.url);
  if (m) {
    const v = m[1];
    if (compareApiVersions(v, MIN_API_VERSION) < 0) {
      next(
        new InvalidArgumentError(
          `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
        ),
      );
      return;
    }
    (req as Request & { apiVersion?: string }).apiVersion = compareApiVersions(v, API_VERSION) > 0 ? API_VERSION : v;
    req.url = m[2];
  }
  next();
}

/** The Engine API as an express app: Docker's paths, shapes, status codes and `{"message"}` errors. */
export function createApiApp(d: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');
  app.use(apiVersionMiddleware);
  app.use((req, res, next) => {
    res.set('Server', `tsswarm/${API_VERSION} (linux)`);
    res.set('Api-Version', API_VERSION);
    res.on('finish', () => d.onRequest?.(req.method, req.route?.path ?? req.path, res.statusCode));
    next();
  });
  for (const r of d.beforeRoutes ?? []) app.use(r);
  app.use(systemRoutes(d.system, d.events));
  app.use(containerRoutes(d.containers));
  app.use(execRoutes(d.containers.execs));
  if (d.images) app.use(imageRoutes(d.images));
  app.use(networkRoutes(d.network, d.swarmNetworks));
  for (const r of d.extraRouters ?? []) app.use(r);
  app.use((_req, res) => sendError(res, 404, 'page not found'));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const bodyError = err as { type?: string; status?: number; message?: string };
    const e =
      bodyError.type === 'entity.parse.failed'
        ? new InvalidArgumentError(`invalid JSON: ${bodyError.message}`)
        : toTsswarmError(err);
    if (e.httpStatus >= 500) d.logger.error('request failed', { method: req.method, path: req.path, err: e.message });
    if (res.headersSent) {
      res.end();
      return;
    }
    if (e.httpStatus === 304) {
      res.status(304).end();
      return;
    }
    sendError(res, e.httpStatus, e.message);
  });
  return app;
}

/** Docker's error body. The docker CLI decodes it only under exactly "application/json" (no charset). */
function sendError(res: Response, status: number, message: string): void {
  res.status(status).setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ message }) + '\n');
}
