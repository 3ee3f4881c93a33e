import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:net';
import { installRuncShimLauncher, START_HINTS_DIR } from '../../../worker/engine/containerd';

const run = promisify(execFile);

/**
 * The launcher in front of a stand-in for the runc shim that records its calls: what it hands
 * on, and the one call it answers itself.
 */
describe('runc shim launcher (sh, files and mounts of its own)', () => {
  let dir: string;
  let launcher: string;
  const calls = () => readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n').filter(Boolean);
  const stateRoot = () => path.join(dir, 'runc-state');
  const bundle = (id: string) => path.join(dir, 'bundles', id);
  const deleteArgs = (id: string, b = bundle(id)) => [
    '-namespace',
    'ns1',
    '-address',
    '/run/x.sock',
    '-publish-binary',
    '/usr/bin/containerd',
    '-id',
    id,
    '-bundle',
    b,
    'delete',
  ];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-launcher-'));
    const fake = path.join(dir, 'real-shim');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s|' "$@" >> ${dir}/calls\necho >> ${dir}/calls\necho real-answer\n`, {
      mode: 0o755,
    });
    const installed = await installRuncShimLauncher(path.join(dir, 'bin'), { realShim: fake, stateRoot: stateRoot() });
    assert.ok(installed);
    launcher = installed;
  });
  beforeEach(() => writeFileSync(path.join(dir, 'calls'), ''));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const freshBundle = (id: string, options = '{}') => {
    mkdirSync(path.join(bundle(id), 'rootfs'), { recursive: true });
    writeFileSync(path.join(bundle(id), 'options.json'), options);
  };

  it('hands every call but delete and a hinted start to the real shim, with its arguments as they came', async () => {
    const { stdout } = await run(launcher, ['-namespace', 'ns1', '-id', 'a b', '-address', "it's", 'start']);
    assert.equal(stdout, 'real-answer\n');
    assert.deepEqual(calls(), ["-namespace|ns1|-id|a b|-address|it's|start|"]);
  });

  it("answers delete itself when nothing is left: the shim's exit status 137, the real shim not run", async () => {
    freshBundle('gone');
    const { stdout } = await run(launcher, deleteArgs('gone'), { encoding: 'buffer' });
    // DeleteResponse with only exit_status (field 2, varint 137).
    assert.deepEqual([...stdout], [0x10, 0x89, 0x01]);
    assert.deepEqual(calls(), []);
  });

  it('hands delete on while runc has state for the container', async () => {
    freshBundle('alive');
    mkdirSync(path.join(stateRoot(), 'ns1', 'alive'), { recursive: true });
    assert.equal((await run(launcher, deleteArgs('alive'))).stdout, 'real-answer\n');
    assert.equal(calls().length, 1);
  });

  it('hands delete on while the rootfs is mounted', async function () {
    if (process.getuid?.() !== 0) this.skip();
    freshBundle('mounted');
    const rootfs = path.join(bundle('mounted'), 'rootfs');
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', rootfs]);
    try {
      assert.equal((await run(launcher, deleteArgs('mounted'))).stdout, 'real-answer\n');
    } finally {
      execFileSync('umount', [rootfs]);
    }
    assert.equal(calls().length, 1);
  });

  it('hands delete on for runc options of the task (another runc root), a path with odd characters, or missing flags', async () => {
    freshBundle('opts', '{"root":"/elsewhere"}');
    await run(launcher, deleteArgs('opts'));
    const odd = path.join(dir, 'bundles', 'with space');
    mkdirSync(path.join(odd, 'rootfs'), { recursive: true });
    await run(launcher, deleteArgs('odd', odd));
    await run(launcher, ['-namespace', 'ns1', '-id', 'x', 'delete']);
    assert.equal(calls().length, 3);
  });

  describe('start', () => {
    let server: Server;
    const socket = () => path.join(dir, 'shim.sock');
    const startArgs = (id: string) => [
      '-namespace',
      'ns1',
      '-address',
      '/run/x.sock',
      '-publish-binary',
      '/usr/bin/containerd',
      '-id',
      id,
      'start',
    ];
    const hint = (id: string, address: string) =>
      writeFileSync(path.join(dir, 'bin', START_HINTS_DIR, id), `${address}\n`);
    const startIn = (id: string) => {
      mkdirSync(bundle(id), { recursive: true });
      return run(launcher, startArgs(id), { cwd: bundle(id) });
    };
    before(async () => {
      server = createServer();
      await new Promise<void>((r) => server.listen(socket(), r));
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it("answers for a task with a hint naming a shim's socket: the address printed and in the bundle, the real shim not run", async () => {
      hint('joins', `unix://${socket()}`);
      const { stdout } = await startIn('joins');
      assert.equal(stdout, `unix://${socket()}`);
      assert.equal(readFileSync(path.join(bundle('joins'), 'address'), 'utf8'), `unix://${socket()}`);
      assert.deepEqual(calls(), []);
    });

    it('hands start on with no hint, a hint naming no socket, or a hint it cannot take as is', async () => {
      await startIn('nohint');
      hint('nosock', `unix://${path.join(dir, 'missing.sock')}`);
      await startIn('nosock');
      hint('file', `unix://${path.join(dir, 'calls')}`);
      await startIn('file');
      hint('odd', `unix://${socket()} x`);
      await startIn('odd');
      hint('tcp', 'tcp://127.0.0.1:1');
      await startIn('tcp');
      assert.equal(calls().length, 5);
      assert.equal(existsSync(path.join(bundle('nosock'), 'address')), false);
    });
  });

  it('is not installed when the real shim cannot run', async () => {
    assert.equal(
      await installRuncShimLauncher(path.join(dir, 'bin2'), { realShim: path.join(dir, 'nothing') }),
      undefined,
    );
  });
});
