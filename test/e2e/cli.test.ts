import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { requireContainerd } from '../support/containerd';
import { startTestDaemon, type TestDaemon } from '../support/daemon';
import { dockerBinary, runCli, TSSWARM, type Out } from './cli-runner';

/** The same flows through the stock docker CLI and through ours. */
for (const client of ['docker', 'tsswarm'] as const) {
  describe(`e2e: the ${client} CLI against tsswarmd`, function () {
    this.timeout(120_000);
    let td: TestDaemon;
    let config: string;
    let cli: (...args: string[]) => Promise<Out>;
    let cliIn: (input: string, ...args: string[]) => Promise<Out>;

    before(async function () {
      requireContainerd(this);
      const docker = dockerBinary();
      if (client === 'docker' && !docker) {
        console.warn('SKIPPED e2e with the docker CLI: docker is not installed (bash deploy/install-deps.sh)');
        this.skip();
      }
      td = await startTestDaemon(client === 'docker' ? 2 : 3);
      config = mkdtempSync(path.join(tmpdir(), 'tsswarm-cli-'));
      const env = { ...process.env, DOCKER_CONFIG: config, TSSWARM_CONFIG: config, DOCKER_HOST: '', TSSWARM_HOST: '' };
      cli = (...args) =>
        client === 'docker'
          ? runCli(docker!, ['-H', `unix://${td.socket}`, ...args], env)
          : runCli(process.execPath, [TSSWARM, '-H', `unix://${td.socket}`, ...args], env);
      cliIn = (input, ...args) =>
        client === 'docker'
          ? runCli(docker!, ['-H', `unix://${td.socket}`, ...args], env, input)
          : runCli(process.execPath, [TSSWARM, '-H', `unix://${td.socket}`, ...args], env, input);
    });

    after(async () => {
      await td?.stop();
      if (config) rmSync(config, { recursive: true, force: true });
    });

    it('version and info', async () => {
      const v = await cli('version');
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /API version:\s+1\.4\d/);
      const i = await cli('info');
      assert.equal(i.code, 0, i.stderr);
      assert.match(i.stdout, /Containers: \d+/);
    });

    it('run --rm shows the output and exits with the container code', async () => {
      const r = await cli(
        'run',
        '--rm',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'echo hello from tsswarm; echo to-stderr >&2; exit 3',
      );
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, 'hello from tsswarm\n');
      assert.match(r.stderr, /to-stderr/);
      const ps = await cli('ps', '-a', '-q');
      assert.equal(ps.stdout.trim(), '', 'the --rm container is gone');
    });

    it('run -d, ps, logs, stop, rm', async () => {
      const d = await cli(
        'run',
        '-d',
        '--name',
        'e2e-web',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'echo started; while true; do sleep 0.1; done',
      );
      assert.equal(d.code, 0, d.stderr);
      const id = d.stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      const ps = await cli('ps');
      assert.match(ps.stdout, /CONTAINER ID\s+IMAGE\s+COMMAND/);
      assert.match(ps.stdout, /e2e-web/);
      assert.match(ps.stdout, /Up /);
      let logs: Out = { code: 1, stdout: '', stderr: '' };
      for (let i = 0; i < 20 && !logs.stdout.includes('started'); i++) {
        logs = await cli('logs', 'e2e-web');
        if (!logs.stdout.includes('started')) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(logs.stdout, 'started\n');
      const stop = await cli('stop', '-t', '1', 'e2e-web');
      assert.equal(stop.code, 0, stop.stderr);
      const exited = await cli('ps', '-a', '--filter', 'name=e2e-web', '--format', '{{.Status}}');
      assert.match(exited.stdout, /^Exited \(137\)/);
      const rm = await cli('rm', id);
      assert.equal(rm.code, 0, rm.stderr);
      const gone = await cli('inspect', 'e2e-web');
      assert.notEqual(gone.code, 0);
    });

    it('run --health-*: ps shows (health: starting), then (healthy) once exec made the file; inspect and the filter agree', async () => {
      const name = `e2e-hc-${client}`;
      const d = await cli(
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'none',
        '--health-cmd',
        'test -f /tmp/ok',
        '--health-interval',
        '200ms',
        '--health-start-period',
        '60s',
        '--health-start-interval',
        '200ms',
        '--health-retries',
        '2',
        'busybox',
        'sleep',
        '600',
      );
      assert.equal(d.code, 0, d.stderr);
      const status = async () => (await cli('ps', '--filter', `name=${name}`, '--format', '{{.Status}}')).stdout.trim();
      assert.match(await status(), /^Up .*\(health: starting\)$/);
      const x = await cli('exec', name, 'touch', '/tmp/ok');
      assert.equal(x.code, 0, x.stderr);
      let st = '';
      for (let i = 0; i < 100 && !/\(healthy\)$/.test(st); i++) {
        st = await status();
        if (!/\(healthy\)$/.test(st)) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(st, /^Up .*\(healthy\)$/);
      const ins = await cli('inspect', '--format', '{{.State.Health.Status}}', name);
      assert.equal(ins.stdout.trim(), 'healthy', ins.stderr);
      const byHealth = await cli('ps', '--filter', 'health=healthy', '--format', '{{.Names}}');
      assert.equal(byHealth.stdout.trim(), name);
      const none = await cli('ps', '--filter', 'health=unhealthy', '-q');
      assert.equal(none.stdout.trim(), '');
      const bad = await cli('run', '-d', '--health-interval', '-1s', 'busybox', 'true');
      assert.notEqual(bad.code, 0);
      const rm = await cli('rm', '-f', name);
      assert.equal(rm.code, 0, rm.stderr);
    });

    it('run -i echoes piped stdin and exits at its end', async () => {
      const r = await cliIn(
        'piped into run\nsecond line\n',
        'run',
        '-i',
        '--rm',
        '--network',
        'none',
        'busybox',
        'cat',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'piped into run\nsecond line\n');
    });

    it('exec: output, exit code, stdin, detached, a missing command, a stopped container', async () => {
      const d = await cli('run', '-d', '--name', 'e2e-exec', '--network', 'none', 'busybox', 'sleep', '120');
      assert.equal(d.code, 0, d.stderr);
      const x = await cli('exec', '-e', 'WHO=exec', 'e2e-exec', 'sh', '-c', 'echo in $WHO; echo oops >&2; exit 4');
      assert.equal(x.code, 4, x.stderr);
      assert.equal(x.stdout, 'in exec\n');
      assert.match(x.stderr, /oops/);
      const i = await cliIn('through exec\n', 'exec', '-i', 'e2e-exec', 'cat');
      assert.equal(i.code, 0, i.stderr);
      assert.equal(i.stdout, 'through exec\n');
      const w = await cli('exec', '-w', '/tmp', '-u', 'nobody', 'e2e-exec', 'sh', '-c', 'pwd; id -u');
      assert.equal(w.stdout, '/tmp\n65534\n');
      const bg = await cli('exec', '-d', 'e2e-exec', 'sh', '-c', 'echo detached > /tmp/bg');
      assert.equal(bg.code, 0, bg.stderr);
      let cat: Out = { code: 1, stdout: '', stderr: '' };
      for (let n = 0; n < 20 && cat.stdout !== 'detached\n'; n++) {
        cat = await cli('exec', 'e2e-exec', 'cat', '/tmp/bg');
        if (cat.stdout !== 'detached\n') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(cat.stdout, 'detached\n');
      const missing = await cli('exec', 'e2e-exec', 'no-such-binary');
      assert.equal(missing.code, 127);
      assert.match(missing.stdout + missing.stderr, /OCI runtime exec failed: .*executable file not found/);
      assert.equal((await cli('stop', '-t', '1', 'e2e-exec')).code, 0);
      const stopped = await cli('exec', 'e2e-exec', 'true');
      assert.notEqual(stopped.code, 0);
      assert.match(stopped.stderr, /is not running/);
      assert.equal((await cli('rm', 'e2e-exec')).code, 0);
    });

    it('reports daemon errors as docker does', async () => {
      const r = await cli('rm', 'no-such-container');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Error response from daemon: No such container: no-such-container/);
    });
  });
}
