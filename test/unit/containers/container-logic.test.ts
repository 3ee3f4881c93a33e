import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  capabilities,
  JsonFileLog,
  mergeEnv,
  processEnv,
  DEFAULT_PATH_ENV,
  parseContainerCreate,
  parseSignal,
  parseStdcopy,
  processArgs,
  readLogs,
  resolveUser,
  restartDelayMs,
  shouldRestart,
  statusText,
  stdcopyFrame,
  validateBind,
  validateContainerName,
} from '../../../worker/engine/containers';

describe('container logic', () => {
  it('combines Entrypoint and Cmd as Docker does', () => {
    assert.deepEqual(processArgs({ Entrypoint: ['/e'], Cmd: ['a'] }, {}), ['/e', 'a']);
    assert.deepEqual(processArgs({ Entrypoint: ['/e'], Cmd: ['a'] }, { Cmd: ['b'] }), ['/e', 'b']);
    assert.deepEqual(processArgs({ Entrypoint: ['/e'], Cmd: ['a'] }, { Entrypoint: ['/x'] }), ['/x']);
    assert.deepEqual(processArgs({ Cmd: ['sh'] }, { Cmd: 'echo' }), ['echo']);
  });

  it('lets the container env override the image env key by key', () => {
    assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
  });

  it('gives the process a default PATH and HOSTNAME that the container env overrides', () => {
    assert.deepEqual(processEnv(['A=1'], 'h1'), [DEFAULT_PATH_ENV, 'HOSTNAME=h1', 'A=1']);
    assert.deepEqual(processEnv(['PATH=/bin', 'HOSTNAME=x'], 'h1'), ['PATH=/bin', 'HOSTNAME=x']);
  });

  it('resolves users by name, id and group', () => {
    const passwd = 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
    const group = 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n';
    assert.deepEqual(resolveUser('app', passwd, group), { uid: 1000, gid: 1000, additionalGids: [2000] });
    assert.deepEqual(resolveUser('1000:0', passwd, group), { uid: 1000, gid: 0, additionalGids: [2000] });
    assert.deepEqual(resolveUser('app:extra', passwd, group).gid, 2000);
    assert.throws(() => resolveUser('ghost', passwd, group), /ghost/);
  });

  it('applies cap-add and cap-drop', () => {
    assert.ok(capabilities(['SYS_ADMIN']).includes('CAP_SYS_ADMIN'));
    assert.ok(!capabilities([], ['NET_RAW']).includes('CAP_NET_RAW'));
    assert.deepEqual(capabilities(['CHOWN'], ['ALL']), ['CAP_CHOWN']);
  });

  it('follows restart policies and backs off', () => {
    assert.equal(shouldRestart({ Name: 'always' }, 0, 5, false), true);
    assert.equal(shouldRestart({ Name: 'always' }, 0, 5, true), false);
    assert.equal(shouldRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 1, false), true);
    assert.equal(shouldRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 2, false), false);
    assert.equal(shouldRestart({ Name: 'on-failure' }, 0, 0, false), false);
    assert.equal(shouldRestart({ Name: 'no' }, 1, 0, false), false);
    assert.equal(restartDelayMs(0), 100);
    assert.equal(restartDelayMs(3), 800);
    assert.equal(restartDelayMs(30), 60_000);
  });

  it('validates create bodies, names, binds and signals, naming the field', () => {
    assert.throws(() => parseContainerCreate({ Image: 'x', HostConfig: { NanoCpus: 'two' } }), /HostConfig\.NanoCpus/);
    assert.throws(() => parseContainerCreate({}), /Image/);
    assert.equal(parseContainerCreate({ Image: 'x', Unknown: 1 }).Image, 'x');
    assert.equal(validateContainerName('/web_1'), 'web_1');
    assert.throws(() => validateContainerName('-x'), /Invalid container name/);
    assert.deepEqual(validateBind('/a:/b:ro'), { source: '/a', target: '/b', readOnly: true, isVolume: false });
    assert.throws(() => validateBind('/a:b'), /absolute/);
    assert.equal(parseSignal('TERM'), 15);
    assert.equal(parseSignal('SIGKILL'), 9);
    assert.equal(parseSignal('10'), 10);
    assert.throws(() => parseSignal('NOPE'), /invalid signal/);
  });

  it('frames output as Docker multiplexed streams', () => {
    const f = Buffer.concat([stdcopyFrame('stdout', Buffer.from('a')), stdcopyFrame('stderr', Buffer.from('bc'))]);
    assert.deepEqual([...f.subarray(0, 8)], [1, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(
      parseStdcopy(f).map((x) => [x.stream, x.data.toString()]),
      [
        ['stdout', 'a'],
        ['stderr', 'bc'],
      ],
    );
  });

  it('writes json-file logs with rotation and reads them with tail and stream selection', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-log-'));
    try {
      const log = new JsonFileLog(path.join(dir, 'c.log'), { maxSizeBytes: 200, maxFiles: 3 });
      for (let i = 0; i < 10; i++) log.write(i % 2 ? 'stderr' : 'stdout', Buffer.from(`line ${i}\n`));
      const all = log.readAll();
      assert.ok(all.length < 10 && all.length > 2, 'old lines rotated away');
      assert.equal(all[all.length - 1].log, 'line 9\n');
      const chunks: Buffer[] = [];
      for await (const c of readLogs(log, {
        stdout: true,
        stderr: false,
        follow: false,
        timestamps: false,
        tail: 2,
        since: 0,
        until: 0,
        raw: true,
        running: false,
      }))
        chunks.push(c as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'line 6\nline 8\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says Up / Exited as docker ps does', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    assert.equal(statusText({ Running: true, StartedAt: '2026-01-01T00:00:55Z' } as never, now), 'Up 5 seconds');
    assert.equal(
      statusText({ Running: false, Status: 'exited', ExitCode: 3, FinishedAt: '2026-01-01T00:00:00Z' } as never, now),
      'Exited (3) About a minute ago',
    );
  });
});
