import { Router, json } from 'express';
import { stdcopyFrame, type ExecService } from '../../engine/containers';
import { dimension, param, qstr } from '../http-util';

/** Exec instances; a start with Connection: Upgrade goes through the upgrade handler instead. */
export function execRoutes(execs: ExecService): Router {
  const r = Router();
  const body = json({ limit: '1mb', strict: false });

  r.post('/containers/:id/exec', body, (req, res) => {
    res.status(201).json(execs.create(param(req, 'id'), req.body));
  });
  r.get('/exec/:id/json', (req, res) => {
    res.json(execs.inspect(param(req, 'id')));
  });
  r.post('/exec/:id/resize', async (req, res) => {
    const h = dimension(qstr(req, 'h'), 'h');
    const w = dimension(qstr(req, 'w'), 'w');
    await execs.resize(param(req, 'id'), h, w);
    res.status(200).end();
  });
  // Without a hijack there is no input: the output comes as the response body.
  r.post('/exec/:id/start', body, async (req, res) => {
    const start = execs.claim(param(req, 'id'), req.body);
    if (start.detach) {
      await execs.run(start);
      res.status(200).end();
      return;
    }
    res.status(200).set('Content-Type', `application/vnd.docker.${start.tty ? 'raw' : 'multiplexed'}-stream`);
    res.flushHeaders();
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const write = (stream: 'stdout' | 'stderr', data: Buffer) => {
      if (!res.writableEnded && !res.destroyed) res.write(start.tty ? data : stdcopyFrame(stream, data));
    };
    try {
      await execs.run(start, { write, signal: gone.signal });
    } catch (err) {
      write('stdout', Buffer.from(`${(err as Error).message}\r\n`));
    }
    res.end();
  });
  return r;
}
