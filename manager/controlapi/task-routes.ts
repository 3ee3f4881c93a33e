/** /tasks: list (Docker's filters, service and node resolved by name or ID), inspect and logs (logs-routes.ts). */
import { Router } from 'express';
import { parseFilters, type TaskObject } from '../../src/api';
import { isTaskDirty } from '../orchestrator';
import { serveLogs } from './logs-routes';
import { publicTask } from './public-objects';
import { param, wrap } from './route-wrap';
import { TASK_FILTERS, taskMatches } from './service-filters';
import type { SwarmControl } from './swarm-control';

/**
 * Each stored task's JSON, made once per version: clients poll task lists while services
 * converge (`docker service create` does, every few hundred ms), and between two polls few
 * tasks change. Store objects are immutable, so a version's JSON never goes stale.
 */
const taskJson = new WeakMap<TaskObject, string>();

function publicTaskJson(t: TaskObject): string {
  let json = taskJson.get(t);
  if (json === undefined) {
    json = JSON.stringify(publicTask(t));
    taskJson.set(t, json);
  }
  return json;
}

export function taskRoutes(sc: SwarmControl): Router {
  const r = Router();
  r.get(
    '/tasks',
    wrap(async (req, res) => {
      const store = sc.manager().store;
      const f = parseFilters(req.query.filters, TASK_FILTERS);
      const out = store.view((tx) => {
        // The daemon resolves these before asking swarmkit, so an unknown one is a 404.
        if (f.service) f.service = f.service.map((v) => tx.lookup('service', v).ID);
        if (f.node) f.node = f.node.map((v) => tx.lookup('node', v).ID);
        const tasks: TaskObject[] = f.service
          ? f.service.flatMap((id) => tx.find('task', { serviceId: id }))
          : tx.find('task');
        return tasks
          .filter((t) => {
            const service = tx.get('service', t.ServiceID);
            return taskMatches(t, f, { service, upToDate: () => !!service && !isTaskDirty(service, t) });
          })
          .map(publicTaskJson);
      });
      res.type('application/json').send(`[${out.join(',')}]`);
    }),
  );
  r.get(
    '/tasks/:id',
    wrap(async (req, res) => {
      const store = sc.manager().store;
      res.json(publicTask(store.view((tx) => tx.lookup('task', param(req, 'id')))));
    }),
  );
  r.get(
    '/tasks/:id/logs',
    wrap((req, res) => serveLogs(sc.manager(), { kind: 'task', id: param(req, 'id') }, req, res)),
  );
  return r;
}
