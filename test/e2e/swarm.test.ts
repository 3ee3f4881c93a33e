import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { requireContainerd } from '../support/containerd';
import { eventually, startSwarmDaemon, type SwarmDaemon } from '../integration/swarm/swarm-daemons';
import { dockerBinary, runCli, TSSWARM, type Out } from './cli-runner';

/** swarm init/join/join-token/leave and node ls/inspect/update/promote/demote/rm, through the stock docker CLI and ours. */
for (const client of ['docker', 'tsswarm'] as const) {
  describe(`e2e: swarm commands of the ${client} CLI against tsswarmd`, function () {
    this.timeout(180_000);
    let mgr: SwarmDaemon, wrk: SwarmDaemon;
    let config: string;
    let cli: (d: SwarmDaemon, ...args: string[]) => Promise<Out>;
    let workerId = '';

    before(async function () {
      requireContainerd(this);
      const docker = dockerBinary();
      if (client === 'docker' && !docker) {
        console.warn('SKIPPED swarm e2e with the docker CLI: docker is not installed (bash deploy/install-deps.sh)');
        this.skip();
      }
      const base = client === 'docker' ? 31 : 33;
      mgr = await startSwarmDaemon(base);
      wrk = await startSwarmDaemon(base + 1);
      config = mkdtempSync(path.join(tmpdir(), 'tsswarm-cli-'));
      const env = { ...process.env, DOCKER_CONFIG: config, TSSWARM_CONFIG: config, DOCKER_HOST: '', TSSWARM_HOST: '' };
      cli = (d, ...args) =>
        client === 'docker'
          ? runCli(docker!, ['-H', `unix://${d.socket}`, ...args], env)
          : runCli(process.execPath, [TSSWARM, '-H', `unix://${d.socket}`, ...args], env);
    });

    after(async () => {
      await wrk?.destroy();
      await mgr?.destroy();
      if (config) rmSync(config, { recursive: true, force: true });
    });

    it('swarm init prints the worker join command', async () => {
      const r = await cli(mgr, 'swarm', 'init', '--listen-addr', mgr.clusterAddr, '--advertise-addr', mgr.clusterAddr);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Swarm initialized: current node \(\w+\) is now a manager/);
      assert.match(r.stdout, new RegExp(`docker swarm join --token SWMTKN-1-\\w+-\\w+ ${mgr.clusterAddr}`));
    });

    it('swarm join with the worker token; node ls shows both, the * and the Leader', async () => {
      const token = (await cli(mgr, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
      assert.match(token, /^SWMTKN-1-/);
      const r = await cli(
        wrk,
        'swarm',
        'join',
        '--token',
        token,
        '--listen-addr',
        wrk.clusterAddr,
        '--advertise-addr',
        wrk.clusterAddr,
        mgr.clusterAddr,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /This node joined a swarm as a worker/);
      workerId = (await wrk.api('GET', '/info')).json.Swarm.NodeID;
      await eventually(
        async () => (await cli(mgr, 'node', 'ls')).stdout.split('\n').filter((l) => /Ready/.test(l)).length === 2,
      );
      const ls = (await cli(mgr, 'node', 'ls')).stdout;
      assert.match(ls, /^ID\s+HOSTNAME\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS\s+ENGINE VERSION/);
      assert.match(ls, /\w+ \*\s+\S+\s+Ready\s+Active\s+Leader/);
      const onWorker = await cli(wrk, 'node', 'ls');
      assert.notEqual(onWorker.code, 0);
      assert.match(onWorker.stderr, /Worker nodes can't be used to view or modify cluster state/);
    });

    it('node inspect self and node update --availability drain --label-add', async () => {
      const self = JSON.parse((await cli(mgr, 'node', 'inspect', 'self')).stdout);
      assert.equal(self[0].Spec.Role, 'manager');
      const r = await cli(mgr, 'node', 'update', '--availability', 'drain', '--label-add', 'zone=a', workerId);
      assert.equal(r.code, 0, r.stderr);
      const n = JSON.parse((await cli(mgr, 'node', 'inspect', workerId)).stdout)[0];
      assert.equal(n.Spec.Availability, 'drain');
      assert.deepEqual(n.Spec.Labels, { zone: 'a' });
    });

    it('node promote, then demote', async () => {
      const p = await cli(mgr, 'node', 'promote', workerId);
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, /promoted to a manager in the swarm/);
      await eventually(
        async () => (await wrk.api('GET', '/info')).json.Swarm.ControlAvailable === true,
        30000,
        'promotion',
      );
      const again = await cli(mgr, 'node', 'promote', workerId);
      assert.match(again.stdout, /is already a manager/);
      const d = await cli(mgr, 'node', 'demote', workerId);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stdout, /demoted in the swarm/);
      await eventually(
        async () => (await wrk.api('GET', '/info')).json.Swarm.ControlAvailable === false,
        30000,
        'demotion',
      );
    });

    it('swarm join-token --rotate gives a new worker token', async () => {
      const before = (await cli(mgr, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
      const r = await cli(mgr, 'swarm', 'join-token', '--rotate', 'worker');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Successfully rotated worker join token/);
      const after = (await cli(mgr, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
      assert.notEqual(after, before);
    });

    it('the worker leaves, node rm -f removes it; the last manager leaves only with --force', async () => {
      const l = await cli(wrk, 'swarm', 'leave');
      assert.equal(l.code, 0, l.stderr);
      assert.match(l.stdout, /Node left the swarm/);
      const rm = await cli(mgr, 'node', 'rm', '-f', workerId);
      assert.equal(rm.code, 0, rm.stderr);
      const refused = await cli(mgr, 'swarm', 'leave');
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Removing the last manager erases all current state of the swarm/);
      const forced = await cli(mgr, 'swarm', 'leave', '--force');
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal((await mgr.api('GET', '/info')).json.Swarm.LocalNodeState, 'inactive');
    });
  });
}
