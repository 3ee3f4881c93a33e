import assert from 'node:assert/strict';
import type { NodeObject, ServiceObject, ServiceSpec, TaskObject } from '../../src/api/swarm-types';
import { buildBusyboxImage, dockerArchiveOf } from '../support/busybox-image';
import { startLab, type ApiResponse, type Lab } from '../support/lab';
import { eventually } from '../integration/swarm/swarm-daemons';

/**
 * A swarm in the lab for the service tests: h1 inits, the other managers and the workers join;
 * every host (joined or not) has busybox:latest loaded from a docker-archive, so no task pulls.
 * The dispatcher's heartbeat period is 1 s (a dead node is down after a grace of 3 periods).
 */

const PORT = 2377;
const HEARTBEAT_NS = 1_000_000_000;
/** A request to a daemon fails after this, so a dead or stuck peer never stalls a poll. */
const REQUEST_MS = 15_000;

export const IMAGE = 'busybox:latest';
/** A task command that serves its own hostname over HTTP on port 80, so a reply names the backend. */
export const HOSTNAME_HTTPD = ['sh', '-c', 'mkdir -p /w && hostname > /w/index.html && exec httpd -f -p 80 -h /w'];

export interface ServiceSwarm {
  lab: Lab;
  /** host name -> node ID, for the hosts in the swarm */
  ids: Map<string, string>;
  hostOf(nodeId: string | undefined): string;
  api(h: string, method: string, p: string, body?: unknown): Promise<ApiResponse>;
  /** Joins host `h` as a worker or a manager through a manager that answers. */
  join(h: string, role: 'worker' | 'manager'): Promise<void>;
  /** The nodes as manager `via` sees them, all ready (undefined until then). */
  readyNodes(via: string, count: number): Promise<NodeObject[] | undefined>;
  leader(via: string): Promise<string>;
  createService(via: string, spec: ServiceSpec): Promise<string>;
  service(via: string, name: string): Promise<ServiceObject>;
  /** A service spec update, retried while its version moves under it or the leader changes. */
  updateService(via: string, name: string, change: (spec: ServiceSpec) => ServiceSpec): Promise<void>;
  updateNode(via: string, h: string, change: (spec: NodeObject['Spec']) => NodeObject['Spec']): Promise<void>;
  tasks(via: string, service: string): Promise<TaskObject[]>;
  /** Tasks desired and observed running. */
  running(via: string, service: string): Promise<TaskObject[]>;
  /** Waits (60 s at most) until exactly n tasks of the service run; resolves with them. */
  untilRunning(via: string, service: string, n: number): Promise<TaskObject[]>;
  removeService(via: string, name: string): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startServiceSwarm(o: {
  hosts: number;
  managers: string[];
  workers: string[];
}): Promise<ServiceSwarm> {
  const image = dockerArchiveOf(await buildBusyboxImage(), [IMAGE]);
  const lab = await startLab(o.hosts);
  const ids = new Map<string, string>();
  const api = (h: string, method: string, p: string, body?: unknown) =>
    lab.api(h, method, p, body, { timeoutMs: REQUEST_MS });
  const archive = await image;
  await Promise.all(
    lab.hosts.map(async (h) => {
      const r = await lab.api(h, 'POST', '/images/load?quiet=1', archive);
      assert.equal(r.status, 200, `image load on ${h.name}: ${r.body}`);
    }),
  );

  const [first, ...otherManagers] = o.managers as [string, ...string[]];
  const addr = (h: string) => `${lab.host(h).address}:${PORT}`;
  const init = await api(first, 'POST', '/swarm/init', {
    ListenAddr: addr(first),
    AdvertiseAddr: addr(first),
    Spec: { Dispatcher: { HeartbeatPeriod: HEARTBEAT_NS } },
  });
  assert.equal(init.status, 200, init.body);
  ids.set(first, init.json<string>());
  const tokens = (await api(first, 'GET', '/swarm')).json<{ JoinTokens: { Worker: string; Manager: string } }>()
    .JoinTokens;

  const readyNodes = async (via: string, count: number) => {
    const r = await api(via, 'GET', '/nodes');
    if (r.status !== 200) return undefined;
    const list = r.json<NodeObject[]>();
    return list.length === count && list.every((n) => n.Status.State === 'ready') ? list : undefined;
  };

  const sw: ServiceSwarm = {
    lab,
    ids,
    hostOf(nodeId) {
      for (const [h, id] of ids) if (id === nodeId) return h;
      return `?${nodeId}`;
    },
    api,
    async join(h, role) {
      const managers = [...ids.keys()].filter((x) => o.managers.includes(x));
      const r = await lab.api(
        h,
        'POST',
        '/swarm/join',
        {
          RemoteAddrs: managers.map(addr),
          JoinToken: role === 'manager' ? tokens.Manager : tokens.Worker,
          ListenAddr: addr(h),
          AdvertiseAddr: addr(h),
        },
        { timeoutMs: 60_000 },
      );
      assert.equal(r.status, 200, `join of ${h}: ${r.body}`);
      ids.set(h, (await api(h, 'GET', '/info')).json<{ Swarm: { NodeID: string } }>().Swarm.NodeID);
      await eventually(() => readyNodes(first, ids.size), 60_000, `${h} ready in the swarm`);
    },
    readyNodes,
    async leader(via) {
      const list = await eventually(
        async () => {
          const r = await api(via, 'GET', '/nodes');
          return r.status === 200 && r.json<NodeObject[]>().find((n) => n.ManagerStatus?.Leader);
        },
        60_000,
        `a leader seen from ${via}`,
      );
      return sw.hostOf(list.ID);
    },
    async createService(via, spec) {
      const r = await api(via, 'POST', '/services/create', spec);
      assert.equal(r.status, 201, `create ${spec.Name}: ${r.body}`);
      return r.json<{ ID: string }>().ID;
    },
    async service(via, name) {
      const r = await api(via, 'GET', `/services/${name}`);
      assert.equal(r.status, 200, `inspect ${name}: ${r.body}`);
      return r.json<ServiceObject>();
    },
    async updateService(via, name, change) {
      for (let i = 0; ; i++) {
        const cur = await sw.service(via, name).catch(() => undefined);
        const r =
          cur && (await api(via, 'POST', `/services/${name}/update?version=${cur.Version!.Index}`, change(cur.Spec)));
        if (r?.status === 200) return;
        if (i >= 30) assert.fail(`update of ${name} on ${via}: ${r?.status} ${r?.body}`);
        await sleep(300);
      }
    },
    async updateNode(via, h, change) {
      const id = ids.get(h)!;
      for (let i = 0; ; i++) {
        const node = (await api(via, 'GET', `/nodes/${id}`)).json<NodeObject>();
        const r = await api(via, 'POST', `/nodes/${id}/update?version=${node.Version!.Index}`, change(node.Spec));
        if (r.status === 200) return;
        if (i >= 30) assert.fail(`node update of ${h} on ${via}: ${r.status} ${r.body}`);
        await sleep(300);
      }
    },
    async tasks(via, service) {
      const f = encodeURIComponent(JSON.stringify({ service: [service] }));
      const r = await api(via, 'GET', `/tasks?filters=${f}`);
      assert.equal(r.status, 200, r.body);
      return r.json<TaskObject[]>();
    },
    async running(via, service) {
      return (await sw.tasks(via, service)).filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
    },
    untilRunning(via, service, n) {
      return eventually(
        async () => {
          const t = await sw.running(via, service);
          return t.length === n && t;
        },
        60_000,
        `${n} running tasks of ${service}`,
      );
    },
    async removeService(via, name) {
      const r = await api(via, 'DELETE', `/services/${name}`);
      assert.ok(r.status === 200 || r.status === 404, `remove ${name}: ${r.status} ${r.body}`);
    },
    stop: () => lab.stop(),
  };

  for (const h of otherManagers) await sw.join(h, 'manager');
  for (const h of o.workers) await sw.join(h, 'worker');
  return sw;
}

/** host name -> how many of the tasks run there */
export function perHost(sw: ServiceSwarm, tasks: TaskObject[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tasks) {
    const h = sw.hostOf(t.NodeID);
    out[h] = (out[h] ?? 0) + 1;
  }
  return out;
}

/** A long-running busybox service: sleep that stops at once on SIGTERM (a trap in sh). */
export function sleeper(name: string, extra: Partial<ServiceSpec['TaskTemplate']> = {}): ServiceSpec {
  return {
    Name: name,
    TaskTemplate: {
      ContainerSpec: {
        Image: IMAGE,
        Args: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'],
        StopGracePeriod: 2_000_000_000,
      },
      RestartPolicy: { Condition: 'any', Delay: 200_000_000 },
      ...extra,
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}
