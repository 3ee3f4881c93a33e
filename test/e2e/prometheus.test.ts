import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { requireContainerd } from '../support/containerd';
import { eventually, startSwarmDaemon, teardownSwarm, type SwarmDaemon } from '../integration/swarm/swarm-daemons';

const METRICS_ADDR = '127.0.0.1:29323';
const PROMETHEUS_ADDR = '127.0.0.1:29090';

interface Target {
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
  scrapePool: string;
  health: string;
  lastError: string;
}

function prometheusBinary(): string | undefined {
  const r = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'prometheus' : undefined;
}

async function activeTargets(): Promise<Target[]> {
  const res = await fetch(`http://${PROMETHEUS_ADDR}/api/v1/targets?state=active`);
  const body = (await res.json()) as { data: { activeTargets: Target[] } };
  return body.data.activeTargets;
}

/**
 * Prometheus (Debian's) scrapes tsswarmd's /metrics and finds the swarm's nodes, services and
 * tasks with its dockerswarm service discovery, which is Docker's Go client against our socket.
 */
describe('e2e: Prometheus against tsswarmd', function () {
  this.timeout(120_000);
  let d: SwarmDaemon;
  let prom: ChildProcess | undefined;
  let dir = '';
  let nodeId = '';

  before(async function () {
    requireContainerd(this);
    if (!prometheusBinary()) {
      console.warn('SKIPPED Prometheus e2e: prometheus is not installed (bash deploy/install-deps.sh)');
      this.skip();
    }
    d = await startSwarmDaemon(37, 24200, { metricsAddr: METRICS_ADDR });
    const init = await d.api('POST', '/v1.44/swarm/init', { ListenAddr: d.clusterAddr, AdvertiseAddr: d.clusterAddr });
    assert.equal(init.status, 200, init.body);
    nodeId = (await d.api('GET', '/v1.44/info')).json.Swarm.NodeID;
    const net = await d.api('POST', '/v1.44/networks/create', { Name: 'prom-net', Driver: 'overlay' });
    assert.equal(net.status, 201, net.body);
    const svc = await d.api('POST', '/v1.44/services/create', {
      Name: 'prom-web',
      Labels: { 'prometheus.job': 'web' },
      TaskTemplate: {
        ContainerSpec: { Image: 'busybox', Args: ['sleep', '3600'] },
        Networks: [{ Target: 'prom-net' }],
      },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 28080, PublishMode: 'host' }] },
    });
    assert.equal(svc.status, 201, svc.body);
    await eventually(async () => {
      const tasks = (await d.api('GET', '/v1.44/tasks')).json as Array<{ Status: { State: string } }>;
      return tasks.some((t) => t.Status.State === 'running');
    });
    dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-prom-'));
    const sd = (role: string) =>
      `  - job_name: swarm-${role}\n    dockerswarm_sd_configs:\n      - host: unix://${d.socket}\n        role: ${role}\n        refresh_interval: 1s\n`;
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tsswarmd\n    static_configs:\n      - targets: ['${METRICS_ADDR}']\n` +
        ['nodes', 'services', 'tasks'].map(sd).join(''),
    );
    prom = spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=${PROMETHEUS_ADDR}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    prom.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    prom.on('exit', (code) => {
      if (code) console.warn(`prometheus exited with ${code}:\n${log}`);
    });
  });

  after(async () => {
    if (prom?.pid && prom.exitCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
    if (d)
      await teardownSwarm([d], async (m) => {
        await m.api('DELETE', '/v1.44/services/prom-web');
        await m.api('DELETE', '/v1.44/networks/prom-net');
      });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("scrapes the daemon's metrics", async () => {
    const t = await eventually(
      async () => (await activeTargets().catch(() => [])).find((x) => x.scrapePool === 'tsswarmd' && x.health === 'up'),
      30_000,
      'the tsswarmd target up',
    );
    assert.equal(t.lastError, '');
    const q = await fetch(`http://${PROMETHEUS_ADDR}/api/v1/query?query=${encodeURIComponent('up{job="tsswarmd"}')}`);
    const r = (await q.json()) as { data: { result: Array<{ value: [number, string] }> } };
    assert.equal(r.data.result[0]?.value[1], '1');
  });

  it('discovers the node, with its role and availability', async () => {
    const t = await eventually(
      async () => (await activeTargets().catch(() => [])).find((x) => x.scrapePool === 'swarm-nodes'),
      30_000,
      'a discovered node',
    );
    const l = t.discoveredLabels;
    assert.equal(l.__meta_dockerswarm_node_id, nodeId);
    assert.equal(l.__meta_dockerswarm_node_role, 'manager');
    assert.equal(l.__meta_dockerswarm_node_availability, 'active');
    assert.equal(l.__meta_dockerswarm_node_status, 'ready');
    assert.equal(l.__meta_dockerswarm_node_manager_leader, 'true');
    assert.ok(l.__meta_dockerswarm_node_hostname);
  });

  it("discovers the task, with its service's name and labels and its host-mode port", async () => {
    const task = await eventually(
      async () => (await activeTargets().catch(() => [])).find((x) => x.scrapePool === 'swarm-tasks'),
      30_000,
      'a discovered task',
    );
    const l = task.discoveredLabels;
    assert.equal(l.__meta_dockerswarm_service_name, 'prom-web');
    assert.equal(l.__meta_dockerswarm_service_label_prometheus_job, 'web');
    assert.equal(l.__meta_dockerswarm_service_mode, 'replicated');
    assert.equal(l.__meta_dockerswarm_task_desired_state, 'running');
    assert.equal(l.__meta_dockerswarm_task_state, 'running');
    assert.equal(l.__meta_dockerswarm_task_slot, '1');
    assert.equal(l.__meta_dockerswarm_node_id, nodeId);
    assert.equal(l.__meta_dockerswarm_task_port_publish_mode, 'host');
    assert.match(l.__address__, /:28080$/);
  });

  it('discovers the service at its VIP on its overlay network, with the network named', async () => {
    const svc = await eventually(
      async () => (await activeTargets().catch(() => [])).find((x) => x.scrapePool === 'swarm-services'),
      30_000,
      'a discovered service',
    );
    const l = svc.discoveredLabels;
    assert.equal(l.__meta_dockerswarm_service_name, 'prom-web');
    assert.equal(l.__meta_dockerswarm_service_label_prometheus_job, 'web');
    assert.equal(l.__meta_dockerswarm_service_mode, 'replicated');
    assert.equal(l.__meta_dockerswarm_network_name, 'prom-net');
    assert.match(l.__address__, /^10\.0\.\d+\.\d+:/);
  });
});
