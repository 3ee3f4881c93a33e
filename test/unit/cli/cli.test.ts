import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { demux } from '../../../cli/api-client';
import { Command } from 'commander';
import type { ApiClient } from '../../../cli/api-client';
import {
  parseBytes,
  parsePublish,
  parseRestart,
  registerContainerCommands,
  securityOptsOf,
} from '../../../cli/commands/containers';
import { splitTag } from '../../../cli/commands/images';
import { ContextStore, resolveEndpoint, DEFAULT_HOST } from '../../../cli/context-store';
import { formatTemplate, humanSize, since, table } from '../../../cli/format';

describe('tsswarm CLI', () => {
  it('parses -p, -m and --restart as docker does', () => {
    assert.deepEqual(parsePublish(['8080:80', '127.0.0.1:53:53/udp', '90']), {
      PortBindings: {
        '80/tcp': [{ HostIp: '', HostPort: '8080' }],
        '53/udp': [{ HostIp: '127.0.0.1', HostPort: '53' }],
        '90/tcp': [{ HostIp: '', HostPort: '' }],
      },
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '90/tcp': {} },
    });
    assert.throws(() => parsePublish(['80:http']), /invalid port format/);
    assert.equal(parseBytes('512m'), 512 * 1024 * 1024);
    assert.equal(parseBytes('1g'), 1024 ** 3);
    assert.throws(() => parseBytes('lots'), /invalid size/);
    assert.deepEqual(parseRestart('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
    assert.throws(() => parseRestart('sometimes'), /invalid restart policy/);
  });

  it('create/run --health-* and --no-healthcheck set Healthcheck as docker run does', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const api = {
      json: async (_m: string, _p: string, o: { body: Record<string, unknown> }) => {
        bodies.push(o.body);
        return { Id: 'c1' };
      },
    } as unknown as ApiClient;
    const create = async (...args: string[]) => {
      const program = new Command().exitOverride().enablePositionalOptions();
      registerContainerCommands(program, () => api);
      const out = process.stdout.write;
      process.stdout.write = (() => true) as never;
      try {
        await program.parseAsync(['create', ...args, 'busybox'], { from: 'user' });
      } finally {
        process.stdout.write = out;
      }
      return bodies.at(-1)!;
    };
    const b = await create(
      '--health-cmd',
      'test -f /tmp/ok',
      '--health-interval',
      '200ms',
      '--health-timeout',
      '1s',
      '--health-retries',
      '2',
      '--health-start-period',
      '3s',
      '--health-start-interval',
      '100ms',
    );
    assert.deepEqual(b.Healthcheck, {
      Test: ['CMD-SHELL', 'test -f /tmp/ok'],
      Interval: 200e6,
      Timeout: 1e9,
      StartPeriod: 3e9,
      StartInterval: 100e6,
      Retries: 2,
    });
    assert.deepEqual((await create('--no-healthcheck')).Healthcheck, { Test: ['NONE'] });
    assert.equal('Healthcheck' in (await create()), false);
    await assert.rejects(create('--no-healthcheck', '--health-cmd', 'x'), /conflicts with --health-\* options/);
  });

  it('create/run --privileged, --cap-add/--cap-drop and --security-opt as docker sends them', async () => {
    let body: Record<string, unknown> = {};
    const api = {
      json: async (_m: string, _p: string, o: { body: Record<string, unknown> }) => {
        body = o.body;
        return { Id: 'c1' };
      },
    } as unknown as ApiClient;
    const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-cli-seccomp-'));
    try {
      const file = path.join(dir, 'profile.json');
      writeFileSync(file, '{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n');
      const program = new Command().exitOverride().enablePositionalOptions();
      registerContainerCommands(program, () => api);
      const out = process.stdout.write;
      process.stdout.write = (() => true) as never;
      try {
        await program.parseAsync(
          [
            'create',
            '--privileged',
            '--cap-add',
            'NET_ADMIN',
            '--cap-drop',
            'MKNOD',
            '--security-opt',
            `seccomp=${file}`,
            '--security-opt',
            'no-new-privileges',
            'busybox',
          ],
          { from: 'user' },
        );
      } finally {
        process.stdout.write = out;
      }
      const hc = body.HostConfig as Record<string, unknown>;
      assert.equal(hc.Privileged, true);
      assert.deepEqual(hc.CapAdd, ['NET_ADMIN']);
      assert.deepEqual(hc.CapDrop, ['MKNOD']);
      assert.deepEqual(hc.SecurityOpt, ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', 'no-new-privileges']);
      assert.deepEqual(securityOptsOf(['seccomp=unconfined']), ['seccomp=unconfined']);
      assert.throws(() => securityOptsOf([`seccomp=${dir}/missing.json`]), /opening seccomp profile .* failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits tags without mistaking a registry port for one', () => {
    assert.deepEqual(splitTag('busybox:1.36'), ['busybox', '1.36']);
    assert.deepEqual(splitTag('127.0.0.1:5000/busybox'), ['127.0.0.1:5000/busybox', undefined]);
    assert.deepEqual(splitTag('127.0.0.1:5000/busybox:x'), ['127.0.0.1:5000/busybox', 'x']);
  });

  it('prints tables, sizes, ages and templates like docker', () => {
    assert.equal(table(['A', 'LONGER'], [['xx', 'y']]), 'A    LONGER\nxx   y\n');
    assert.equal(humanSize(1_234_567), '1.23MB');
    assert.equal(humanSize(999), '999B');
    assert.equal(since(Date.now() / 1000 - 5), '5 seconds ago');
    assert.equal(
      formatTemplate('{{.ID}}\\t{{.State.Status}}', { ID: 'abc', State: { Status: 'running' } }),
      'abc\trunning',
    );
    assert.equal(formatTemplate('{{json .Labels}}', { Labels: { a: '1' } }), '{"a":"1"}');
  });

  it('demultiplexes stdout and stderr frames split across chunks', () => {
    const out: string[] = [];
    const err: string[] = [];
    const feed = demux(
      (b) => out.push(b.toString()),
      (b) => err.push(b.toString()),
    );
    const frame = Buffer.from([1, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69, 2, 0, 0, 0, 0, 0, 0, 1, 0x21]);
    feed(frame.subarray(0, 5));
    feed(frame.subarray(5, 12));
    feed(frame.subarray(12));
    assert.deepEqual([out, err], [['hi'], ['!']]);
  });

  it('stores contexts and picks the endpoint with docker precedence', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-ctx-'));
    try {
      const store = new ContextStore(dir);
      assert.equal(resolveEndpoint({}, store, {}).host, DEFAULT_HOST);
      store.create({ Name: 'prod', Endpoint: { host: 'tcp://10.0.0.1:2376' } });
      assert.throws(() => store.create({ Name: 'prod', Endpoint: { host: 'x' } }), /already exists/);
      assert.equal(resolveEndpoint({ context: 'prod' }, store, {}).host, 'tcp://10.0.0.1:2376');
      store.use('prod');
      assert.equal(store.current(), 'prod');
      assert.equal(resolveEndpoint({}, store, {}).host, 'tcp://10.0.0.1:2376');
      assert.equal(resolveEndpoint({}, store, { TSSWARM_HOST: 'unix:///x.sock' }).host, 'unix:///x.sock');
      assert.equal(resolveEndpoint({ host: ['unix:///y.sock'] }, store, {}).host, 'unix:///y.sock');
      assert.throws(() => resolveEndpoint({ host: ['unix:///a', 'unix:///b'] }, store, {}), /only one -H/);
      assert.throws(() => resolveEndpoint({ host: ['unix:///a'], context: 'prod' }, store, {}), /conflicting options/);
      assert.throws(() => store.remove('prod'), /in use/);
      store.use('default');
      store.remove('prod');
      assert.deepEqual(store.list(), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
