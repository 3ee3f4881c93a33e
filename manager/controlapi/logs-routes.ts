/**
 * GET /services/{id}/logs and GET /tasks/{id}/logs, as `docker service logs` reads them. The
 * leader's dispatcher holds every node's session, so the leader serves them: it resolves the
 * tasks in its store, asks the nodes that run them for their containers' logs (a LogsBroker
 * subscription) and writes the merged lines as they arrive (logs-writer.ts). A manager that is
 * not the leader forwards the request to the leader's cluster port (GET /tsswarm/v1/logs, over
 * the same mutual TLS as the agent session) and pipes the answer back unchanged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import { InvalidArgumentError, parseBool, type TaskObject } from '../../src/api';
import { RPC_PATHS, sendRpcError, sessionTlsOptions, splitHostPort, type LogsSubscriptionOptions } from '../../src/rpc';
import { NoLeaderError } from '../errors';
import type { Manager } from '../manager';
import { BoundedLogWriter, type LogContext } from './logs-writer';

export interface LogsTarget {
  readonly kind: 'service' | 'task';
  readonly id: string;
}

export interface LogsQuery extends LogsSubscriptionOptions {
  readonly timestamps: boolean;
  readonly details: boolean;
}

/** The query as Docker's swarmLogs reads it; 400 before anything is streamed. */
export function parseLogsQuery(q: URLSearchParams): LogsQuery {
  const get = (k: string) => q.get(k) ?? undefined;
  const stdout = parseBool(get('stdout'));
  const stderr = parseBool(get('stderr'));
  if (!stdout && !stderr) throw new InvalidArgumentError('Bad parameters: you must choose at least one stream');
  const tailQ = get('tail');
  let tail: number | 'all' = 'all';
  if (tailQ && tailQ !== 'all') {
    const n = Number(tailQ);
    if (!Number.isInteger(n)) throw new InvalidArgumentError('tail value must be a positive integer');
    tail = n < 0 ? 'all' : n;
  }
  return {
    stdout,
    stderr,
    follow: parseBool(get('follow')),
    timestamps: parseBool(get('timestamps')),
    details: parseBool(get('details')),
    tail,
    since: parseSince(get('since')),
  };
}

/** Docker's `since`: unix seconds (fractional) or an RFC 3339 time; empty = no bound. */
export function parseSince(v: string | undefined): number {
  if (!v) return 0;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`invalid value for since: ${v}`);
  return t / 1000;
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

/** The Docker API handler (express's req and res are node's). */
export async function serveLogs(m: Manager, target: LogsTarget, req: IncomingMessage, res: ServerResponse) {
  const q = queryOf(req);
  const opts = parseLogsQuery(q);
  // Resolved here first, so an unknown name is this manager's 404 whoever streams.
  m.store.view((tx) => tx.lookup(target.kind, target.id));
  if (m.raft.isLeader()) return streamLogs(m, target, opts, res);
  const leader = m.leaderAddr();
  if (!leader) throw new NoLeaderError();
  const fwd = new URLSearchParams(q);
  fwd.set('kind', target.kind);
  fwd.set('id', target.id);
  await forward(m, leader, `${RPC_PATHS.logs}?${fwd.toString()}`, res);
}

/** The leader's cluster endpoint: GET /tsswarm/v1/logs?kind=service|task&id=...&<the Docker query>. */
export function serveLogsEndpoint(m: Manager, req: IncomingMessage, res: ServerResponse): void {
  void (async () => {
    const q = queryOf(req);
    const kind = q.get('kind');
    if (kind !== 'service' && kind !== 'task') throw new InvalidArgumentError('kind: service or task');
    if (!m.raft.isLeader()) throw new NoLeaderError('this manager is no longer the leader');
    await streamLogs(m, { kind, id: q.get('id') ?? '' }, parseLogsQuery(q), res);
  })().catch((err) => sendRpcError(res, err));
}

function forward(m: Manager, leader: string, path: string, res: ServerResponse): Promise<void> {
  const { host, port } = splitHostPort(leader);
  return new Promise((resolve, reject) => {
    const up = https.request({ ...sessionTlsOptions(m.o.credentials), host, port, method: 'GET', path, agent: false });
    up.on('response', (r) => {
      const headers: Record<string, string> = {};
      if (r.headers['content-type']) headers['Content-Type'] = r.headers['content-type'];
      res.writeHead(r.statusCode ?? 502, headers);
      res.flushHeaders();
      r.pipe(res);
      r.on('error', () => res.destroy());
      resolve();
    });
    up.on('error', (err) => {
      if (res.headersSent) res.destroy();
      else reject(new NoLeaderError(`the leader could not be reached: ${err.message}`));
    });
    res.on('close', () => up.destroy());
    up.end();
  });
}

/** On the leader: subscribe to the nodes of the target's tasks and stream what they send. */
function streamLogs(m: Manager, target: LogsTarget, opts: LogsQuery, res: ServerResponse): void {
  const { tasks, tty } = m.store.view((tx) => {
    if (target.kind === 'service') {
      const svc = tx.lookup('service', target.id);
      return {
        tasks: tx.find('task', { serviceId: svc.ID }) as TaskObject[],
        tty: !!svc.Spec.TaskTemplate?.ContainerSpec?.TTY,
      };
    }
    const t = tx.lookup('task', target.id) as TaskObject;
    return { tasks: [t], tty: !!t.Spec?.ContainerSpec?.TTY };
  });
  const ctx = new Map<string, LogContext>();
  const byNode = new Map<string, string[]>();
  for (const t of tasks) {
    if (!t.NodeID) continue; // not assigned: no node has its logs
    ctx.set(t.ID, { nodeId: t.NodeID, serviceId: t.ServiceID, taskId: t.ID });
    byNode.set(t.NodeID, [...(byNode.get(t.NodeID) ?? []), t.ID]);
  }
  res.writeHead(200, {
    'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream',
  });
  res.flushHeaders();
  const writer = new BoundedLogWriter(res, { timestamps: opts.timestamps, details: opts.details, mux: !tty });
  const { stdout, stderr, follow, tail, since } = opts;
  const sub = m.dispatcher.logs.subscribe(
    byNode,
    { stdout, stderr, follow, tail, since },
    {
      data: (nodeId, d) => {
        const c = ctx.get(d.taskId);
        if (c?.nodeId !== nodeId) return; // not one of this subscription's tasks on that node
        if ((d.stream === 'stdout' && !stdout) || (d.stream === 'stderr' && !stderr)) return;
        writer.line(c, d);
      },
      end: () => writer.end(),
    },
  );
  res.on('close', () => {
    writer.close();
    sub.cancel();
  });
}
