import assert from 'node:assert/strict';
import { requireContainerd } from '../../support/containerd';
import { startTestDaemon, type TestDaemon } from '../../support/daemon';
import { demuxed, hijack, request, until } from './raw-api';

describe('exec (real containerd and runc)', function () {
  this.timeout(120_000);
  let td: TestDaemon;
  let sock: string;
  let cid: string;

  const run = async (name: string, cmd: string[], extra: Record<string, unknown> = {}) => {
    const c = await request(sock, 'POST', `/v1.44/containers/create?name=${name}`, {
      Image: 'busybox',
      Cmd: cmd,
      HostConfig: { NetworkMode: 'none' },
      ...extra,
    });
    assert.equal(c.status, 201, c.body);
    const id = String(c.json().Id);
    const s = await request(sock, 'POST', `/v1.44/containers/${id}/start`);
    assert.equal(s.status, 204, s.body);
    return id;
  };
  const createExec = async (body: Record<string, unknown>, container = cid) => {
    const r = await request(sock, 'POST', `/v1.44/containers/${container}/exec`, body);
    assert.equal(r.status, 201, r.body);
    return String(r.json().Id);
  };
  const inspectExec = async (id: string) => (await request(sock, 'GET', `/v1.44/exec/${id}/json`)).json();
  const startAttached = async (id: string) => {
    const h = await hijack(sock, `/v1.44/exec/${id}/start`, { Detach: false, Tty: false });
    assert.equal(h.status, 101);
    return h;
  };

  before(async function () {
    requireContainerd(this);
    td = await startTestDaemon(4);
    sock = td.socket;
    cid = await run('exec-target', ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done']);
  });

  after(async () => {
    await td?.stop();
  });

  it('runs a command with its stdout, stderr and exit code', async () => {
    const id = await createExec({
      AttachStdout: true,
      AttachStderr: true,
      Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'],
    });
    const h = await startAttached(id);
    assert.equal(h.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    const out = demuxed(await h.ended);
    assert.equal(out.stdout, 'out\n');
    assert.equal(out.stderr, 'err\n');
    const x = await inspectExec(id);
    assert.equal(x.ExitCode, 7);
    assert.equal(x.Running, false);
    assert.equal(x.ContainerID, cid);
    assert.equal(x.CanRemove, true);
    assert.deepEqual(x.ProcessConfig, {
      tty: false,
      entrypoint: 'sh',
      arguments: ['-c', 'echo out; echo err >&2; exit 7'],
      privileged: false,
      user: '',
    });
    assert.equal(x.OpenStdout, true);
    assert.equal(x.OpenStdin, false);
  });

  it("sends Docker's exec_create, exec_start and exec_die events", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = await createExec({ AttachStdout: true, Cmd: ['sh', '-c', 'exit 3'] });
    await (
      await startAttached(id)
    ).ended;
    await until(async () => (await inspectExec(id)).Running === false);
    const f = encodeURIComponent(JSON.stringify({ type: ['container'], container: [cid] }));
    const until_ = Math.ceil(Date.now() / 1000) + 1;
    const r = await request(sock, 'GET', `/v1.44/events?since=${since}&until=${until_}&filters=${f}`);
    const evs = r.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> } })
      .filter((e) => e.Actor.Attributes.execID === id);
    assert.deepEqual(
      evs.map((e) => e.Action),
      ['exec_create: sh -c exit 3', 'exec_start: sh -c exit 3', 'exec_die'],
    );
    assert.equal(evs[2]!.Actor.Attributes.exitCode, '3');
    assert.equal(evs[0]!.Actor.ID, cid);
    assert.equal(evs[0]!.Actor.Attributes.name, 'exec-target');
  });

  it('forwards stdin and closes it at the half-close', async () => {
    const id = await createExec({ AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: ['cat'] });
    const h = await startAttached(id);
    h.socket.write('hello ');
    h.socket.write('through stdin\n');
    h.socket.end();
    assert.equal(demuxed(await h.ended).stdout, 'hello through stdin\n');
    assert.equal((await inspectExec(id)).ExitCode, 0);
  });

  it('gives a TTY a raw stream', async () => {
    const id = await createExec({ AttachStdout: true, Tty: true, Cmd: ['sh', '-c', 'tty; echo done'] });
    const h = await hijack(sock, `/v1.44/exec/${id}/start`, { Detach: false, Tty: true, ConsoleSize: [40, 120] });
    assert.equal(h.status, 101);
    assert.equal(h.headers['content-type'], 'application/vnd.docker.raw-stream');
    const text = (await h.ended).toString();
    assert.match(text, /^\/dev\/pts\/\d+\r\ndone\r\n$/);
  });

  it('merges env over the container env, and takes the working dir and user', async () => {
    const id = await createExec({
      AttachStdout: true,
      AttachStderr: true,
      Env: ['FOO=bar', 'PATH=/bin:/usr/bin'],
      WorkingDir: '/tmp',
      User: 'nobody',
      Cmd: ['sh', '-c', 'echo $FOO $HOSTNAME; pwd; id -u'],
    });
    const out = demuxed(await (await startAttached(id)).ended);
    assert.equal(out.stderr, '');
    const [envLine, cwd, uid] = out.stdout.trim().split('\n');
    assert.match(envLine, /^bar [0-9a-f]{12}$/);
    assert.equal(cwd, '/tmp');
    assert.equal(uid, '65534');
  });

  it('runs detached: 200 at once, the process in the background', async () => {
    const id = await createExec({ Cmd: ['sh', '-c', 'sleep 0.3; echo marker > /tmp/detached'] });
    const s = await request(sock, 'POST', `/v1.44/exec/${id}/start`, { Detach: true });
    assert.equal(s.status, 200, s.body);
    const running = await inspectExec(id);
    assert.equal(running.Running, true);
    assert.ok(Number(running.Pid) > 0);
    assert.equal(running.ExitCode, null);
    const done = await until(async () => {
      const x = await inspectExec(id);
      return x.Running ? undefined : x;
    });
    assert.equal(done.ExitCode, 0);
    assert.equal(done.Pid, 0);
    const cat = await createExec({ AttachStdout: true, Cmd: ['cat', '/tmp/detached'] });
    assert.equal(demuxed(await (await startAttached(cat)).ended).stdout, 'marker\n');
  });

  it('reports a missing command as Docker does, exit code 127', async () => {
    const id = await createExec({ AttachStdout: true, AttachStderr: true, Cmd: ['no-such-binary'] });
    const out = demuxed(await (await startAttached(id)).ended);
    assert.match(out.stdout, /OCI runtime exec failed: .*no-such-binary.*executable file not found in \$PATH/);
    const x = await inspectExec(id);
    assert.equal(x.ExitCode, 127);
    assert.equal(x.Running, false);
    const detached = await createExec({ Cmd: ['/no/such/file'] });
    const s = await request(sock, 'POST', `/v1.44/exec/${detached}/start`, { Detach: true });
    assert.equal(s.status, 400);
    assert.match(String(s.json().message), /OCI runtime exec failed/);
    assert.equal((await inspectExec(detached)).ExitCode, 127);
  });

  it('refuses bad input with the field named, and unknown objects with 404', async () => {
    const bad = async (body: unknown, status: number, re: RegExp, container = cid) => {
      const r = await request(sock, 'POST', `/v1.44/containers/${container}/exec`, body);
      assert.equal(r.status, status, r.body);
      assert.match(String(r.json().message), re);
    };
    await bad({ AttachStdout: true }, 400, /No exec command specified/);
    await bad({ Cmd: [] }, 400, /No exec command specified/);
    await bad({ Cmd: 'ls' }, 400, /Cmd/);
    await bad({ Cmd: ['ls'], Env: [7] }, 400, /Env\.0/);
    await bad({ Cmd: ['ls'], WorkingDir: 'relative' }, 400, /WorkingDir/);
    await bad({ Cmd: ['ls'], Tty: 'yes' }, 400, /Tty/);
    await bad({ Cmd: ['ls'], DetachKeys: 'ctrl-1' }, 400, /Invalid detach keys/);
    await bad('{not json', 400, /invalid JSON/);
    await bad({ Cmd: ['ls'] }, 404, /No such container: nope/, 'nope');
    const missing = '0'.repeat(64);
    const i = await request(sock, 'GET', `/v1.44/exec/${missing}/json`);
    assert.equal(i.status, 404);
    assert.match(String(i.json().message), /No such exec instance/);
    const h = await hijack(sock, `/v1.44/exec/${missing}/start`, { Detach: false });
    assert.equal(h.status, 404);
    assert.match(JSON.parse((await h.ended).toString()).message, /No such exec instance/);
    const plain = await request(sock, 'POST', `/v1.44/exec/${missing}/start`, { Detach: true });
    assert.equal(plain.status, 404);
    const id = await createExec({ Cmd: ['true'] });
    const badStart = await hijack(sock, `/v1.44/exec/${id}/start`, { Detach: 'no' });
    assert.equal(badStart.status, 400);
    assert.match(JSON.parse((await badStart.ended).toString()).message, /Detach/);
    const resize = await request(sock, 'POST', `/v1.44/exec/${id}/resize?h=x&w=80`);
    assert.equal(resize.status, 400);
    assert.match(String(resize.json().message), /invalid h/);
  });

  it('refuses a second start of the same exec with 409', async () => {
    const id = await createExec({ AttachStdout: true, Cmd: ['echo', 'once'] });
    assert.equal(demuxed(await (await startAttached(id)).ended).stdout, 'once\n');
    const again = await hijack(sock, `/v1.44/exec/${id}/start`, { Detach: false });
    assert.equal(again.status, 409);
    assert.match(JSON.parse((await again.ended).toString()).message, /has already run/);
  });

  it('answers 409 for exec in a stopped container', async () => {
    const stopped = await run('exec-stopped', ['true']);
    await request(sock, 'POST', `/v1.44/containers/${stopped}/wait`);
    const r = await request(sock, 'POST', `/v1.44/containers/${stopped}/exec`, { Cmd: ['ls'] });
    assert.equal(r.status, 409);
    assert.match(String(r.json().message), new RegExp(`container ${stopped} is not running`));
  });

  it('kills the process when the client goes away mid-stream, and keeps serving', async () => {
    const id = await createExec({ AttachStdout: true, Cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'] });
    const h = await startAttached(id);
    await until(async () => (Buffer.concat(h.received).includes('tick') ? true : undefined));
    h.socket.destroy();
    const x = await until(async () => {
      const i = await inspectExec(id);
      return i.Running ? undefined : i;
    });
    assert.equal(x.ExitCode, 137);
    assert.equal((await request(sock, 'GET', '/_ping')).body, 'OK');
  });

  it('ends exec instances with their container and drops them with it', async () => {
    const c = await run('exec-dies', ['sleep', '60']);
    const id = await createExec({ Cmd: ['sleep', '60'] }, c);
    assert.equal((await request(sock, 'POST', `/v1.44/exec/${id}/start`, { Detach: true })).status, 200);
    const ci = (await request(sock, 'GET', `/v1.44/containers/${c}/json`)).json();
    assert.deepEqual(ci.ExecIDs, [id]);
    assert.equal((await request(sock, 'POST', `/v1.44/containers/${c}/kill`)).status, 204);
    const x = await until(async () => {
      const i = await inspectExec(id);
      return i.Running ? undefined : i;
    });
    assert.notEqual(x.ExitCode, null);
    await request(sock, 'POST', `/v1.44/containers/${c}/wait`);
    assert.equal((await request(sock, 'DELETE', `/v1.44/containers/${c}`)).status, 204);
    assert.equal((await request(sock, 'GET', `/v1.44/exec/${id}/json`)).status, 404);
  });
});
