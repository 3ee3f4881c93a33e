import { Router } from 'express';
import { InvalidArgumentError, parseFilters } from '../../../src/api';
import type { ImageBackend, ProgressMessage } from '../image-backend';
import { param, qbool, qstr } from '../http-util';

/** Streams JSON progress lines; a failure after the headers went out becomes an errorDetail line. */
async function progressStream(
  res: import('express').Response,
  run: (on: (m: ProgressMessage) => void) => Promise<unknown>,
): Promise<void> {
  res.status(200).set('Content-Type', 'application/json');
  res.flushHeaders();
  const write = (m: ProgressMessage) => res.write(JSON.stringify(m) + '\r\n');
  try {
    await run(write);
  } catch (err) {
    const message = (err as Error).message;
    write({ errorDetail: { message }, error: message });
  }
  res.end();
}

/** The image half of the Engine API, and /distribution. */
export function imageRoutes(images: ImageBackend): Router {
  const r = Router();
  r.get('/images/json', async (req, res) => {
    const filters = parseFilters(req.query.filters, ['reference', 'dangling', 'label', 'before', 'since', 'until']);
    res.json(await images.list({ all: qbool(req, 'all'), filters }));
  });
  r.post('/images/create', async (req, res) => {
    const from = qstr(req, 'fromImage');
    if (!from)
      throw new InvalidArgumentError('fromImage: an image to pull is required (import from a source is not supported)');
    const tag = qstr(req, 'tag');
    const ref = tag && !from.includes('@') ? (tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`) : from;
    const auth = req.get('X-Registry-Auth');
    await progressStream(res, (onProgress) => images.pull(ref, { auth, onProgress }));
  });
  r.post('/images/load', async (req, res) => {
    const quiet = qbool(req, 'quiet');
    res.status(200).set('Content-Type', 'application/json');
    res.flushHeaders();
    try {
      const out = await images.load(req);
      for (const name of out.loaded) res.write(JSON.stringify({ stream: `Loaded image: ${name}\n` }) + '\r\n');
      void quiet;
    } catch (err) {
      const message = (err as Error).message;
      res.write(JSON.stringify({ errorDetail: { message }, error: message }) + '\r\n');
    }
    res.end();
  });
  r.get('/images/get', async (req, res) => {
    const q = req.query.names;
    const names = (Array.isArray(q) ? q : q ? [q] : []).map(String);
    if (!names.length) throw new InvalidArgumentError('names: at least one image is required');
    const stream = await images.save(names);
    res.status(200).set('Content-Type', 'application/x-tar');
    stream.pipe(res);
  });
  r.get('/images/*name/get', async (req, res) => {
    const stream = await images.save([param(req, 'name')]);
    res.status(200).set('Content-Type', 'application/x-tar');
    stream.pipe(res);
  });
  r.get('/images/*name/json', async (req, res) => {
    res.json(await images.inspect(param(req, 'name')));
  });
  r.post('/images/*name/push', async (req, res) => {
    const name = param(req, 'name');
    const tag = qstr(req, 'tag');
    const auth = req.get('X-Registry-Auth');
    await progressStream(res, (onProgress) => images.push(tag ? `${name}:${tag}` : name, { auth, onProgress }));
  });
  r.post('/images/*name/tag', async (req, res) => {
    const repo = qstr(req, 'repo');
    if (!repo) throw new InvalidArgumentError('repo: a repository name is required');
    await images.tag(param(req, 'name'), repo, qstr(req, 'tag'));
    res.status(201).end();
  });
  r.delete('/images/*name', async (req, res) => {
    res.json(await images.remove(param(req, 'name'), { force: qbool(req, 'force'), noprune: qbool(req, 'noprune') }));
  });
  r.get('/distribution/*name/json', async (req, res) => {
    res.json(await images.distributionInspect(param(req, 'name'), req.get('X-Registry-Auth')));
  });
  return r;
}
