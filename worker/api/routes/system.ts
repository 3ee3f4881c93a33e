import * as os from 'node:os';
import { Router, type Response } from 'express';
import { API_VERSION, ENGINE_VERSION, MIN_API_VERSION, parseFilters } from '../../../src/api';
import { eventMatches, type EngineEvent, type EventBus } from '../../events';
import { qtime } from '../http-util';

export interface SystemInfoSource {
  /** Daemon facts for /info. */
  info(): Record<string, unknown>;
  containerdVersion(): string;
  /** The Swarm header of /_ping: inactive, pending, error, locked, active/manager or active/worker. */
  swarmState?(): string;
}

function pingHeaders(res: Response, swarm: string): void {
  res.set({
    'Api-Version': API_VERSION,
    Ostype: 'linux',
    'Docker-Experimental': 'false',
    'Builder-Version': '1',
    Swarm: swarm,
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
  });
}

/** /_ping, /version, /info and the /events stream. */
export function systemRoutes(src: SystemInfoSource, events: EventBus): Router {
  const r = Router();
  const swarm = () => src.swarmState?.() ?? 'inactive';
  r.head('/_ping', (_req, res) => {
    pingHeaders(res, swarm());
    res.status(200).set('Content-Type', 'text/plain; charset=utf-8').set('Content-Length', '0').end();
  });
  r.get('/_ping', (_req, res) => {
    pingHeaders(res, swarm());
    res.status(200).type('text/plain').send('OK');
  });
  r.get('/version', (_req, res) => {
    const ctd = src.containerdVersion();
    res.json({
      Platform: { Name: 'tsswarm' },
      Components: [
        {
          Name: 'Engine',
          Version: ENGINE_VERSION,
          Details: {
            ApiVersion: API_VERSION,
            MinAPIVersion: MIN_API_VERSION,
            Os: 'linux',
            Arch: goArch(),
            KernelVersion: os.release(),
          },
        },
        { Name: 'containerd', Version: ctd, Details: {} },
        { Name: 'runc', Version: 'runc', Details: {} },
      ],
      Version: ENGINE_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: process.env.TSSWARM_GIT_COMMIT ?? 'unknown',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: os.release(),
      BuildTime: '',
    });
  });
  r.get('/info', (_req, res) => res.json(src.info()));
  r.get('/events', (req, res) => {
    const filters = parseFilters(req.query.filters, [
      'type',
      'event',
      'container',
      'image',
      'network',
      'volume',
      'label',
      'scope',
      'daemon',
      'node',
      'service',
      'secret',
      'config',
    ]);
    const since = qtime(req, 'since');
    const until = qtime(req, 'until');
    res.status(200).set('Content-Type', 'application/json');
    res.flushHeaders();
    const send = (e: EngineEvent) => {
      if (eventMatches(e, filters)) res.write(JSON.stringify(e) + '\n');
    };
    if (since) for (const e of events.history(since, until || Infinity)) send(e);
    if (until && until * 1000 <= Date.now()) {
      res.end();
      return;
    }
    const off = events.subscribe(send);
    let timer: NodeJS.Timeout | undefined;
    if (until) timer = setTimeout(() => res.end(), until * 1000 - Date.now());
    res.on('close', () => {
      off();
      if (timer) clearTimeout(timer);
    });
  });
  return r;
}

/** Go's name for the machine architecture, as Docker reports it. */
export function goArch(): string {
  const a = os.arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}
