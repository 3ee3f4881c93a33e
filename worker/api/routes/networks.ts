import { Router, json } from 'express';
import { parseFilters } from '../../../src/api';
import { filterNetworks, type NetworkManager } from '../../network';
import { param } from '../http-util';

/** Local networks: the built-in bridge, host and none, and user-defined bridges. */
export function networkRoutes(net: NetworkManager): Router {
  const r = Router();
  r.get('/networks', (req, res) => {
    const filters = parseFilters(req.query.filters, ['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);
    res.json(filterNetworks(net.list(), filters as never));
  });
  r.get('/networks/:id', (req, res) => {
    res.json(net.inspect(param(req, 'id')));
  });
  r.post('/networks/create', json({ strict: false }), async (req, res) => {
    res.status(201).json(await net.createNetwork(req.body));
  });
  r.delete('/networks/:id', async (req, res) => {
    await net.removeNetwork(param(req, 'id'));
    res.status(204).end();
  });
  return r;
}
