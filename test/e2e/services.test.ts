import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { requireContainerd } from '../support/containerd';
import { eventually, startSwarmDaemon, type SwarmDaemon } from '../integration/swarm/swarm-daemons';
import { dockerBinary, runCli, TSSWARM, type Out } from './cli-runner';

interface Task {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  DesiredState: string;
  Status: { State: string };
  Spec: { ContainerSpec?: { Env?: string[] } };
}

/** A manager and a worker daemon (numbers n, n+1; cluster ports 24100 + n), joined. */
async function twoNodeSwarm(n: number): Promise<[SwarmDaemon, SwarmDaemon]> {
  const mgr = await startSwarmDaemon(n, 24100);
  const wkr = await startSwarmDaemon(n + 1, 24100);
  const init = await mgr.api('POST', '/v1.44/swarm/init', {
    ListenAddr: mgr.clusterAddr,
    AdvertiseAddr: mgr.clusterAddr,
  });
  assert.equal(init.status, 200, init.body);
  const token = (await mgr.api('GET', '/v1.44/swarm')).json.JoinTokens.Worker;
  const join = await wkr.api('POST', '/v1.44/swarm/join', {
    RemoteAddrs: [mgr.clusterAddr],
    JoinToken: token,
    ListenAddr: wkr.clusterAddr,
    AdvertiseAddr: wkr.clusterAddr,
  });
  assert.equal(join.status, 200, join.body);
  await eventually(
    async () => {
      const nodes = (await mgr.api('GET', '/v1.44/nodes')).json as { Status: { State: string } }[];
      return nodes.length === 2 && nodes.every((x) => x.Status.State === 'ready');
    },
    20_000,
    'two ready nodes',
  );
  return [mgr, wkr];
}

async function teardown(ds: SwarmDaemon[]): Promise<void> {
  const [mgr] = ds;
  if (mgr) {
    for (const s of ((await mgr.api('GET', '/v1.44/services').catch(() => undefined))?.json ?? []) as { ID: string }[])
      await mgr.api('DELETE', `/v1.44/services/${s.ID}`).catch(() => undefined);
  }
  for (const d of [...ds].reverse()) await d.api('POST', '/v1.44/swarm/leave?force=1').catch(() => undefined);
  for (const d of ds) {
    const cs = ((await d.api('GET', '/v1.44/containers/json?all=1').catch(() => undefined))?.json ?? []) as {
      Id: string;
    }[];
    for (const c of cs) await d.api('DELETE', `/v1.44/containers/${c.Id}?force=1`).catch(() => undefined);
    await d.destroy();
  }
}

describe('e2e: docker service/secret/stack commands against tsswarmd (a manager and a worker)', function () {
  this.timeout(120_000);
  const ds: SwarmDaemon[] = [];
  let mgr: SwarmDaemon;
  let config: string;
  let docker: (...args: string[]) => Promise<Out>;
  let dockerIn: (input: string, ...args: string[]) => Promise<Out>;
  const hostnames = new Set<string>();

  const tasks = async (service: string): Promise<Task[]> => {
    const f = encodeURIComponent(JSON.stringify({ service: [service] }));
    const r = await mgr.api('GET', `/v1.44/tasks?filters=${f}`);
    assert.equal(r.status, 200, r.body);
    return r.json as Task[];
  };
  const running = async (service: string) =>
    (await tasks(service)).filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
  const ok = (r: Out, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);

  before(async function () {
    requireContainerd(this);
    const bin = dockerBinary();
    if (!bin) {
      console.warn('SKIPPED services e2e with the docker CLI: docker is not installed (bash deploy/install-deps.sh)');
      this.skip();
    }
    this.timeout(60_000);
    ds.push(...(await twoNodeSwarm(41)));
    mgr = ds[0]!;
    for (const d of ds) hostnames.add((await d.api('GET', '/info')).json.Name);
    config = mkdtempSync(path.join(tmpdir(), 'tsswarm-cli-'));
    const env = { ...process.env, DOCKER_CONFIG: config, DOCKER_HOST: '', DOCKER_CONTEXT: '' };
    docker = (...args) => runCli(bin!, ['-H', `unix://${mgr.socket}`, ...args], env);
    dockerIn = (input, ...args) => runCli(bin!, ['-H', `unix://${mgr.socket}`, ...args], env, input);
  });

  after(async function () {
    this.timeout(60_000);
    await teardown(ds);
    if (config) rmSync(config, { recursive: true, force: true });
  });

  it('service create -d --replicas 4; ls shows 4/4; ps shows 4 running tasks on both nodes', async () => {
    // sleep as PID 1 ignores SIGTERM: a short grace period keeps the rolling update quick.
    const c = await docker(
      'service',
      'create',
      '--name',
      'web',
      '--replicas',
      '4',
      '--stop-grace-period',
      '1s',
      '-d',
      'busybox',
      'sleep',
      '3600',
    );
    ok(c, 'create');
    assert.match(c.stdout.trim(), /^\w{25}$/);
    await eventually(async () => (await running('web')).length === 4, 40_000, '4 running tasks');
    const ls = await docker('service', 'ls');
    ok(ls, 'ls');
    assert.match(ls.stdout, /^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE\s+PORTS/);
    assert.match(ls.stdout, /\bweb\s+replicated\s+4\/4\s+busybox:latest/);
    const ps = await docker('service', 'ps', 'web');
    ok(ps, 'ps');
    const rows = ps.stdout.split('\n').filter((l) => /Running\s+Running/.test(l));
    assert.equal(rows.length, 4, ps.stdout);
    const nodes = new Set(rows.map((l) => l.split(/\s+/)[3]));
    assert.deepEqual([...nodes].sort(), [...hostnames].sort(), ps.stdout);
    for (const l of rows) assert.match(l, /web\.[1-4]\s+busybox:latest/);
    // Both daemons may share a hostname: the spread shows in the tasks' NodeIDs.
    assert.equal(new Set((await running('web')).map((t) => t.NodeID)).size, 2);
  });

  it('service inspect and inspect --pretty', async () => {
    const i = await docker('service', 'inspect', 'web');
    ok(i, 'inspect');
    const [svc] = JSON.parse(i.stdout);
    assert.equal(svc.Spec.Name, 'web');
    assert.equal(svc.Spec.Mode.Replicated.Replicas, 4);
    assert.deepEqual(svc.Spec.TaskTemplate.ContainerSpec.Args, ['sleep', '3600']);
    const p = await docker('service', 'inspect', '--pretty', 'web');
    ok(p, 'inspect --pretty');
    assert.match(p.stdout, /Name:\s+web/);
    assert.match(p.stdout, /Replicas:\s+4/);
    assert.match(p.stdout, /Image:\s+busybox/);
    assert.match(p.stdout, /Args:\s+sleep 3600/);
  });

  it('service scale web=2 waits for convergence', async () => {
    const s = await docker('service', 'scale', 'web=2');
    ok(s, 'scale');
    assert.match(s.stdout, /web scaled to 2/);
    assert.match(s.stdout, /verify: Service \w+ converged/);
    assert.equal((await running('web')).length, 2);
  });

  it('service update --env-add replaces the tasks (rolling update completes); rollback restores the spec', async () => {
    const before = new Set((await running('web')).map((t) => t.ID));
    const u = await docker('service', 'update', '--env-add', 'A=1', 'web');
    ok(u, 'update');
    assert.match(u.stdout, /verify: Service \w+ converged/);
    const after = await running('web');
    assert.equal(after.length, 2);
    for (const t of after) {
      assert.ok(!before.has(t.ID), 'a replaced task');
      assert.deepEqual(t.Spec.ContainerSpec?.Env, ['A=1']);
    }
    const svc = JSON.parse((await docker('service', 'inspect', 'web')).stdout)[0];
    assert.equal(svc.UpdateStatus?.State, 'completed');
    assert.deepEqual(svc.Spec.TaskTemplate.ContainerSpec.Env, ['A=1']);

    const r = await docker('service', 'rollback', 'web');
    ok(r, 'rollback');
    assert.match(r.stdout, /rollback: manually requested rollback/);
    assert.match(r.stdout, /verify: Service \w+ converged/);
    const back = JSON.parse((await docker('service', 'inspect', 'web')).stdout)[0];
    assert.equal(back.UpdateStatus?.State, 'rollback_completed');
    assert.equal(back.Spec.TaskTemplate.ContainerSpec.Env, undefined);
    const rolled = await running('web');
    assert.equal(rolled.length, 2);
    for (const t of rolled) assert.equal(t.Spec.ContainerSpec?.Env, undefined);
  });

  it("service logs prints each task's output, prefixed with <service>.<slot>.<task>@<node>", async () => {
    const c = await docker(
      'service',
      'create',
      '-d',
      '--name',
      'talk',
      '--replicas',
      '2',
      '--stop-grace-period',
      '1s',
      'busybox',
      'sh',
      '-c',
      'echo hello; sleep 3600',
    );
    ok(c, 'create');
    await eventually(async () => (await running('talk')).length === 2, 40_000, '2 running tasks');
    const l = await eventually(
      async () => {
        const r = await docker('service', 'logs', 'talk');
        return r.code === 0 && r.stdout.split('\n').filter((x) => /hello/.test(x)).length === 2 && r;
      },
      20_000,
      'two lines of logs',
    );
    for (const line of l.stdout.trim().split('\n')) assert.match(line, /^talk\.[12]\.\w+@\S+\s+\| hello$/);
    ok(await docker('service', 'rm', 'talk'), 'rm');
  });

  it('secret create from stdin; a service created with --secret (without -d) converges; rm of a used secret fails', async () => {
    const c = await dockerIn('hunter2', 'secret', 'create', 's1', '-');
    ok(c, 'secret create');
    const id = c.stdout.trim();
    assert.match(id, /^\w{25}$/);
    const ls = await docker('secret', 'ls');
    ok(ls, 'secret ls');
    assert.match(ls.stdout, new RegExp(`^${id}\\s+s1\\s`, 'm'));
    const s = await docker('service', 'create', '--name', 'withsec', '--secret', 's1', 'busybox', 'sleep', '3600');
    ok(s, 'service create (progress)');
    assert.match(s.stdout, /verify: Service \w+ converged/);
    const [t] = await running('withsec');
    assert.ok(t);
    const svc = JSON.parse((await docker('service', 'inspect', 'withsec')).stdout)[0];
    assert.deepEqual(
      svc.Spec.TaskTemplate.ContainerSpec.Secrets.map((x: { SecretName: string; File: { Name: string } }) => [
        x.SecretName,
        x.File.Name,
      ]),
      [['s1', 's1']],
    );
    const rm = await docker('secret', 'rm', 's1');
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, /Error response from daemon: .*s1.*in use by the following service: withsec/);
    ok(await docker('service', 'rm', 'withsec'), 'service rm');
    ok(await docker('secret', 'rm', 's1'), 'secret rm');
    assert.doesNotMatch((await docker('secret', 'ls')).stdout, /\ss1\s/);
  });

  it('stack deploy (2 services, replicas 2, a config and a secret from files); stack ls/services/ps/rm', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-stack-'));
    try {
      writeFileSync(path.join(dir, 'app.conf'), 'key=value\n');
      writeFileSync(path.join(dir, 'pw.txt'), 'secret\n');
      writeFileSync(
        path.join(dir, 'compose.yml'),
        [
          'services:',
          '  front:',
          '    image: busybox',
          '    command: ["sleep", "3600"]',
          '    deploy:',
          '      replicas: 2',
          '    configs:',
          '      - source: appconf',
          '        target: /etc/app.conf',
          '  back:',
          '    image: busybox',
          '    command: ["sleep", "3600"]',
          '    secrets:',
          '      - pw',
          'configs:',
          '  appconf:',
          '    file: ./app.conf',
          'secrets:',
          '  pw:',
          '    file: ./pw.txt',
          '',
        ].join('\n'),
      );
      const d = await docker('stack', 'deploy', '-c', path.join(dir, 'compose.yml'), 'app');
      ok(d, 'stack deploy');
      assert.match(d.stdout, /Creating service app_front/);
      assert.match(d.stdout, /Creating service app_back/);
      assert.match(d.stdout, /Creating network app_default/);
      assert.match(
        (await docker('network', 'ls', '--filter', 'driver=overlay')).stdout,
        /app_default\s+overlay\s+swarm/,
      );
      await eventually(
        async () => (await running('app_front')).length === 2 && (await running('app_back')).length === 1,
        40_000,
        'the stack tasks',
      );
      const ls = await docker('stack', 'ls');
      ok(ls, 'stack ls');
      assert.match(ls.stdout, /^NAME\s+SERVICES/);
      assert.match(ls.stdout, /^app\s+2\b/m);
      const sv = await docker('stack', 'services', 'app');
      ok(sv, 'stack services');
      assert.match(sv.stdout, /app_front\s+replicated\s+2\/2/);
      assert.match(sv.stdout, /app_back\s+replicated\s+1\/1/);
      const ps = await docker('stack', 'ps', 'app');
      ok(ps, 'stack ps');
      assert.equal(ps.stdout.split('\n').filter((l) => /Running\s+Running/.test(l)).length, 3, ps.stdout);
      assert.match((await docker('config', 'ls')).stdout, /app_appconf/);
      assert.match((await docker('secret', 'ls')).stdout, /app_pw/);
      const rm = await docker('stack', 'rm', 'app');
      ok(rm, 'stack rm');
      assert.match(rm.stdout, /Removing service app_front/);
      assert.match(rm.stdout, /Removing secret app_pw/);
      assert.match(rm.stdout, /Removing config app_appconf/);
      assert.match(rm.stdout, /Removing network app_default/);
      assert.doesNotMatch((await docker('stack', 'ls')).stdout, /^app\s/m);
      assert.doesNotMatch((await docker('secret', 'ls')).stdout, /app_pw/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('service create --mode replicated-job|global-job waits for the job; ls shows the completions', async () => {
    const c = await docker(
      'service',
      'create',
      '--name',
      'batch',
      '--mode',
      'replicated-job',
      '--replicas',
      '3',
      '--max-concurrent',
      '2',
      'busybox',
      'true',
    );
    ok(c, 'create replicated-job');
    // Without a terminal docker prints the lines that carry no bar: the active tasks, then the end.
    assert.match(c.stdout, /active tasks: 0 out of 0 tasks\s+job complete/);
    const done = (await tasks('batch')).filter((t) => t.Status.State === 'complete');
    assert.equal(done.length, 3);
    // An update (here only --force) is the job's next iteration: it runs to 3 completions again.
    const u = await docker('service', 'update', '--force', 'batch');
    ok(u, 'update --force');
    assert.match(u.stdout, /job complete/);
    const again = JSON.parse((await docker('service', 'inspect', 'batch')).stdout)[0];
    assert.equal(again.JobStatus.JobIteration.Index, 1);
    assert.equal((await tasks('batch')).filter((t) => t.Status.State === 'complete').length, 6);
    const g = await docker('service', 'create', '--name', 'once', '--mode', 'global-job', 'busybox', 'true');
    ok(g, 'create global-job');
    assert.match(g.stdout, /job complete/);
    const ls = await docker('service', 'ls');
    ok(ls, 'ls');
    assert.match(ls.stdout, /\bbatch\s+replicated job\s+0\/2 \(3\/3 completed\)\s+busybox:latest/);
    assert.match(ls.stdout, /\bonce\s+global job\s+0\/0 \(2\/2 completed\)\s+busybox:latest/);
    for (const name of ['batch', 'once']) ok(await docker('service', 'rm', name), `rm ${name}`);
  });

  it('service rm web removes the service and its tasks', async () => {
    const r = await docker('service', 'rm', 'web');
    ok(r, 'service rm');
    assert.equal(r.stdout.trim(), 'web');
    assert.doesNotMatch((await docker('service', 'ls')).stdout, /\bweb\b/);
    const inspect = await docker('service', 'inspect', 'web');
    assert.notEqual(inspect.code, 0);
  });
});

describe('e2e: the tsswarm CLI service commands against tsswarmd (a manager and a worker)', function () {
  this.timeout(90_000);
  const ds: SwarmDaemon[] = [];
  let mgr: SwarmDaemon;
  let config: string;
  let cli: (...args: string[]) => Promise<Out>;
  const ok = (r: Out, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);

  before(async function () {
    requireContainerd(this);
    this.timeout(60_000);
    ds.push(...(await twoNodeSwarm(43)));
    mgr = ds[0]!;
    config = mkdtempSync(path.join(tmpdir(), 'tsswarm-cli-'));
    const env = { ...process.env, TSSWARM_CONFIG: config, TSSWARM_HOST: '', DOCKER_HOST: '' };
    cli = (...args) => runCli(process.execPath, [TSSWARM, '-H', `unix://${mgr.socket}`, ...args], env);
  });

  after(async function () {
    this.timeout(60_000);
    await teardown(ds);
    if (config) rmSync(config, { recursive: true, force: true });
  });

  it('service create, ls, ps, scale, rm', async () => {
    ok(await cli('service', 'create', '--name', 'web', '--replicas', '2', '-d', 'busybox', 'sleep', '3600'), 'create');
    await eventually(
      async () => /\bweb\s+replicated\s+2\/2\b/.test((await cli('service', 'ls')).stdout),
      40_000,
      'ls 2/2',
    );
    const ps = await cli('service', 'ps', 'web');
    ok(ps, 'ps');
    assert.equal(ps.stdout.split('\n').filter((l) => /Running\s+Running/.test(l)).length, 2, ps.stdout);
    // As docker's: the RollbackConfig block says "Rollback order".
    const pretty = await cli('service', 'inspect', '--pretty', 'web');
    ok(pretty, 'inspect --pretty');
    assert.match(
      pretty.stdout,
      /UpdateConfig:[^]* Update order: +stop-first\nRollbackConfig:[^]* Rollback order: +stop-first\n/,
    );
    const s = await cli('service', 'scale', 'web=3');
    ok(s, 'scale');
    await eventually(
      async () => /\bweb\s+replicated\s+3\/3\b/.test((await cli('service', 'ls')).stdout),
      40_000,
      'ls 3/3',
    );
    ok(await cli('service', 'rm', 'web'), 'rm');
    assert.doesNotMatch((await cli('service', 'ls')).stdout, /\bweb\b/);
  });

  it('service create --mode replicated-job waits until the job completed; ls shows its completions', async () => {
    const c = await cli(
      'service',
      'create',
      '--name',
      'batch',
      '--mode',
      'replicated-job',
      '--replicas',
      '3',
      '--max-concurrent',
      '2',
      'busybox',
      'true',
    );
    ok(c, 'create');
    assert.match(c.stdout, /job progress: 3 out of 3 complete/);
    assert.match(c.stdout, /job complete/);
    const ls = await cli('service', 'ls');
    assert.match(ls.stdout, /\bbatch\s+replicated job\s+0\/2 \(3\/3 completed\)/);
    ok(await cli('service', 'rm', 'batch'), 'rm');
  });
});
