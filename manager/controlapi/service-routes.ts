/**
 * The service half of the Docker API: /services (create, list, inspect, update, remove) plus,
 * mounted from the same factory, /tasks, /secrets and /configs. Reads come from the local
 * manager's store; writes go through raft. Logs are streamed from the nodes (logs-routes.ts).
 */
import { json, Router } from 'express';
import { parseBool, parseFilters, type ServiceObject } from '../../src/api';
import { SequenceConflictError, type NewObject } from '../../src/store';
import { endpointFor, planServiceUpdate, withRegistryAuth } from './plan-service-update';
import { serveLogs } from './logs-routes';
import { publicService } from './public-objects';
import { resolveReferences } from './resolve-references';
import { param, requiredVersion, withNameCheck, wrap } from './route-wrap';
import { secretConfigRoutes } from './secret-config-routes';
import { withServiceDefaults } from './service-defaults';
import { SERVICE_FILTERS, serviceMatches } from './service-filters';
import { parseServiceSpec } from './service-schemas';
import { checkServiceChange, checkServiceSpec, isJobSpec, normalizeServiceSpec } from './service-spec-rules';
import { serviceStatus } from './service-status';
import type { SwarmControl } from './swarm-control';
import { taskRoutes } from './task-routes';

export interface ServiceRoutesOptions {
  /** The clock for UpdateStatus.StartedAt (default: the system's). */
  now?: () => Date;
}

function decodeSpec(body: unknown) {
  const spec = normalizeServiceSpec(parseServiceSpec(body));
  checkServiceSpec(spec);
  return spec;
}

/**
 * Routes for services, tasks, secrets and configs. Mount next to swarmRoutes:
 * `extraRouters: [swarmRoutes(swarm), serviceRoutes(swarm)]`.
 */
export function serviceRoutes(sc: SwarmControl, opts: ServiceRoutesOptions = {}): Router {
  const now = opts.now ?? (() => new Date());
  const r = Router();
  // Secrets and configs carry up to 1000 KiB as base64.
  r.use(['/services', '/secrets', '/configs'], json({ limit: '4mb', strict: false }));

  r.post(
    '/services/create',
    wrap(async (req, res) => {
      const store = sc.manager().store;
      const spec = decodeSpec(req.body);
      const auth = req.get('X-Registry-Auth') || undefined;
      const created = await withNameCheck(() =>
        store.update((tx) => {
          const s = withRegistryAuth(resolveReferences(tx, spec), auth);
          const svc: NewObject<'service'> = { Spec: s, Endpoint: endpointFor(s.EndpointSpec, undefined) };
          // A job's first iteration; the global-job orchestrator runs it on the nodes there now.
          if (isJobSpec(s)) svc.JobStatus = { JobIteration: { Index: 0 }, LastExecution: now().toISOString() };
          return tx.create('service', svc);
        }),
      );
      res.status(201).json({ ID: created.ID, Warnings: null });
    }),
  );

  r.get(
    '/services',
    wrap(async (req, res) => {
      const store = sc.manager().store;
      const filters = parseFilters(req.query.filters, SERVICE_FILTERS);
      const withStatus = parseBool(req.query.status);
      const out = store.view((tx) =>
        tx
          .find('service')
          .filter((s) => serviceMatches(s, filters))
          .map((s) => {
            const p: ServiceObject & { ServiceStatus?: unknown } = publicService(s);
            if (withStatus)
              p.ServiceStatus = serviceStatus(s, tx.find('task', { serviceId: s.ID }), (id) => tx.get('node', id));
            return p;
          }),
      );
      res.json(out);
    }),
  );

  r.get(
    '/services/:id',
    wrap(async (req, res) => {
      const store = sc.manager().store;
      const svc = publicService(store.view((tx) => tx.lookup('service', param(req, 'id'))));
      if (parseBool(req.query.insertDefaults)) {
        svc.Spec = withServiceDefaults(svc.Spec);
        if (svc.PreviousSpec) svc.PreviousSpec = withServiceDefaults(svc.PreviousSpec);
      }
      res.json(svc);
    }),
  );

  r.post(
    '/services/:id/update',
    wrap(async (req, res) => {
      const store = sc.manager().store;
      const version = requiredVersion(req, 'service');
      const spec = decodeSpec(req.body);
      const rollback = req.query.rollback === undefined ? undefined : String(req.query.rollback);
      const registryAuthFrom =
        req.query.registryAuthFrom === undefined ? undefined : String(req.query.registryAuthFrom);
      const registryAuth = req.get('X-Registry-Auth') || undefined;
      await withNameCheck(() =>
        store.update((tx) => {
          const cur = tx.lookup('service', param(req, 'id'));
          if (cur.Version.Index !== version)
            throw new SequenceConflictError('service', cur.ID, version, cur.Version.Index);
          const isRollback = rollback === 'previous';
          if (!isRollback) checkServiceChange(cur.Spec, spec);
          const next = planServiceUpdate(cur, {
            spec: isRollback ? spec : resolveReferences(tx, spec),
            rollback,
            registryAuthFrom,
            registryAuth,
            now: now().toISOString(),
          });
          tx.update('service', next);
        }),
      );
      res.status(200).json({ Warnings: null });
    }),
  );

  r.delete(
    '/services/:id',
    wrap(async (req, res) => {
      const store = sc.manager().store;
      await store.update((tx) => {
        const svc = tx.lookup('service', param(req, 'id'));
        tx.delete('service', svc.ID);
      });
      res.status(200).end();
    }),
  );

  r.get(
    '/services/:id/logs',
    wrap((req, res) => serveLogs(sc.manager(), { kind: 'service', id: param(req, 'id') }, req, res)),
  );

  r.use(taskRoutes(sc));
  r.use(secretConfigRoutes(sc, 'secret'));
  r.use(secretConfigRoutes(sc, 'config'));
  return r;
}
