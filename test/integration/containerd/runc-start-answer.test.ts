import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { installRuncStartAnswer } from '../../../worker/engine/containerd/runc-start-answer';

const run = promisify(execFile);

/**
 * The runc start answer in front of a stand-in for runc that records its calls, with a stand-in
 * for runc's init: a process that opens the container's exec FIFO for writing, writes a byte,
 * then goes on (here: sleeps), as runc's init execs the container's process.
 */
describe('runc start answer (sh, a FIFO and processes of its own)', () => {
  let dir: string;
  let runc: string;
  const inits: ChildProcess[] = [];
  const calls = () => readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n').filter(Boolean);
  const root = () => path.join(dir, 'state');
  const bundle = (id: string) => path.join(dir, 'bundles', id);
  const startArgs = (id: string) => [
    '--root',
    root(),
    '--log',
    path.join(bundle(id), 'log.json'),
    '--log-format',
    'json',
    'start',
    id,
  ];
  /** The shim has runc create write the init's pid there. */
  const writePid = (id: string, pid: number) => writeFileSync(path.join(bundle(id), 'init.pid'), String(pid));

  /** A created container: runc's state folder with the exec FIFO, the init's pid in the bundle. */
  function created(id: string, initPid: number): string {
    const d = path.join(root(), id);
    mkdirSync(d, { recursive: true });
    mkdirSync(bundle(id), { recursive: true });
    writeFileSync(path.join(d, 'state.json'), JSON.stringify({ id, init_process_pid: initPid }));
    writePid(id, initPid);
    execFileSync('mkfifo', [path.join(d, 'exec.fifo')]);
    linkSync(path.join(d, 'exec.fifo'), path.join(d, 'exec.fifo.init'));
    return path.join(d, 'exec.fifo');
  }

  /**
   * The init's part: blocks on its open of the FIFO, writes "0", then leaves `went-on` behind.
   * runc's init opens the FIFO through a descriptor it has had since the create; a second name
   * of the FIFO stands in for it.
   */
  function init(fifo: string): ChildProcess {
    const p = spawn(
      'sh',
      ['-c', `exec 4>"$1.init"; printf 0 >&4; exec 4>&-; : > "$1.went-on"; exec sleep 30`, 'init', fifo],
      {
        stdio: 'ignore',
      },
    );
    inits.push(p);
    return p;
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-runc-answer-'));
    const fake = path.join(dir, 'real-runc');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s|' "$@" >> ${dir}/calls\necho >> ${dir}/calls\necho real-answer\n`, {
      mode: 0o755,
    });
    assert.equal(await installRuncStartAnswer(path.join(dir, 'bin'), fake), true);
    runc = path.join(dir, 'bin', 'runc');
  });
  beforeEach(() => writeFileSync(path.join(dir, 'calls'), ''));
  afterEach(() => {
    for (const p of inits.splice(0)) p.kill('SIGKILL');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const until = async (f: () => boolean) => {
    for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
    return f();
  };

  it("starts a created container itself: reads the init's byte, removes the FIFO, the real runc not run", async () => {
    const fifo = created('c1', 0);
    const p = init(fifo);
    writePid('c1', p.pid!);
    await run(runc, startArgs('c1'));
    assert.equal(existsSync(fifo), false);
    assert.ok(await until(() => existsSync(`${fifo}.went-on`)), 'the init went on');
    assert.deepEqual(calls(), []);
  });

  it('answers a start whose init reaches the FIFO only later', async () => {
    const fifo = created('c2', process.pid);
    const answered = run(runc, startArgs('c2'));
    await new Promise((r) => setTimeout(r, 250));
    const p = init(fifo);
    writePid('c2', p.pid!);
    await answered;
    assert.ok(await until(() => existsSync(`${fifo}.went-on`)));
    assert.deepEqual(calls(), []);
  });

  it('hands the start to the real runc when the init is dead', async () => {
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    created('dead', gone.pid!);
    const { stdout } = await run(runc, startArgs('dead'));
    assert.equal(stdout, 'real-answer\n');
    assert.deepEqual(calls(), [`${startArgs('dead').join('|')}|`]);
  });

  it('hands on a start of a container with no FIFO (running or stopped), and every other call', async () => {
    mkdirSync(path.join(root(), 'running'), { recursive: true });
    mkdirSync(bundle('running'), { recursive: true });
    writePid('running', 1);
    await run(runc, startArgs('running'));
    await run(runc, ['--root', root(), 'delete', 'running']);
    await run(runc, ['--version']);
    await run(runc, [...startArgs('running').slice(0, 7), '../running']);
    assert.equal(calls().length, 4);
    assert.equal(calls()[1], `--root|${root()}|delete|running|`);
  });

  it("hands on a start when the init has no pid file beside the log (not the shim's layout)", async () => {
    const fifo = created('nopid', process.pid);
    rmSync(path.join(bundle('nopid'), 'init.pid'));
    await run(runc, startArgs('nopid'));
    assert.equal(calls().length, 1);
    assert.equal(existsSync(fifo), true);
  });

  it('hands on a start when NOTIFY_SOCKET is set (runc relays the readiness)', async () => {
    const fifo = created('notify', process.pid);
    await run(runc, startArgs('notify'), { env: { ...process.env, NOTIFY_SOCKET: '/run/x' } });
    assert.equal(calls().length, 1);
    assert.equal(existsSync(fifo), true);
  });

  it('is not installed, and leaves no runc behind, when it cannot run the real runc', async () => {
    const d = path.join(dir, 'bin-none');
    assert.equal(await installRuncStartAnswer(d, path.join(dir, 'no-such-runc')), false);
    assert.equal(existsSync(path.join(d, 'runc')), false);
  });
});
