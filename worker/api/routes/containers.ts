import { Router, json } from 'express';
import { InvalidArgumentError, parseFilters, parseIntParam } from '../../../src/api';
import { CONTAINER_LIST_FILTERS, type ContainerService } from '../../engine/containers';
import { dimension, param, qbool, qstr, qtime } from '../http-util';

/** The container half of the Engine API (attach and exec go through the upgrade handler). */
export function containerRoutes(svc: ContainerService): Router {
  const r = Router();
  const body = json({ limit: '8mb', strict: false });

  r.get('/containers/json', (req, res) => {
    const filters = parseFilters(req.query.filters, CONTAINER_LIST_FILTERS);
    res.json(svc.list({ all: qbool(req, 'all'), limit: parseIntParam('limit', req.query.limit), filters }));
  });
  r.post('/containers/create', body, async (req, res) => {
    const out = await svc.create(req.body, qstr(req, 'name') || undefined);
    res.status(201).json(out);
  });
  r.get('/containers/:id/json', (req, res) => {
    res.json(svc.inspect(param(req, 'id')));
  });
  r.post('/containers/:id/start', async (req, res) => {
    await svc.start(param(req, 'id'));
    res.status(204).end();
  });
  r.post('/containers/:id/stop', async (req, res) => {
    await svc.stop(param(req, 'id'), { t: parseIntParam('t', req.query.t), signal: qstr(req, 'signal') });
    res.status(204).end();
  });
  r.post('/containers/:id/restart', async (req, res) => {
    await svc.restart(param(req, 'id'), parseIntParam('t', req.query.t));
    res.status(204).end();
  });
  r.post('/containers/:id/kill', async (req, res) => {
    await svc.kill(param(req, 'id'), qstr(req, 'signal'));
    res.status(204).end();
  });
  r.post('/containers/:id/wait', async (req, res) => {
    const waiting = svc.wait(param(req, 'id'), qstr(req, 'condition') ?? 'not-running');
    // The docker CLI calls wait before start and blocks until the headers come: send them now.
    res.status(200).set('Content-Type', 'application/json');
    res.flushHeaders();
    const out = await waiting;
    res.end(JSON.stringify({ StatusCode: out.StatusCode, Error: null }));
  });
  r.delete('/containers/:id', async (req, res) => {
    if (qbool(req, 'link')) throw new InvalidArgumentError('links are not supported');
    await svc.remove(param(req, 'id'), { force: qbool(req, 'force'), volumes: qbool(req, 'v') });
    res.status(204).end();
  });
  r.post('/containers/:id/rename', async (req, res) => {
    const name = qstr(req, 'name');
    if (!name) throw new InvalidArgumentError('name: a new name is required');
    await svc.rename(param(req, 'id'), name);
    res.status(204).end();
  });
  r.post('/containers/:id/resize', async (req, res) => {
    const h = dimension(qstr(req, 'h'), 'h');
    const w = dimension(qstr(req, 'w'), 'w');
    await svc.resize(param(req, 'id'), h, w);
    res.status(200).end();
  });
  r.get('/containers/:id/logs', (req, res) => {
    const tailQ = qstr(req, 'tail');
    const tail = !tailQ || tailQ === 'all' ? 'all' : Number(tailQ);
    if (tail !== 'all' && (!Number.isInteger(tail) || tail < 0))
      throw new InvalidArgumentError(`invalid value for tail: ${tailQ}`);
    const rec = svc.get(param(req, 'id'));
    const stream = svc.logs(rec.Id, {
      stdout: qbool(req, 'stdout'),
      stderr: qbool(req, 'stderr'),
      follow: qbool(req, 'follow'),
      timestamps: qbool(req, 'timestamps'),
      since: qtime(req, 'since'),
      until: qtime(req, 'until'),
      tail,
    });
    res
      .status(200)
      .set(
        'Content-Type',
        rec.Config.Tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream',
      );
    res.flushHeaders();
    stream.pipe(res);
    res.on('close', () => stream.destroy());
  });
  return r;
}
