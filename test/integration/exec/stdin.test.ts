import assert from 'node:assert/strict';
import { requireContainerd } from '../../support/containerd';
import { startTestDaemon, type TestDaemon } from '../../support/daemon';
import { demuxed, hijack, request, until } from './raw-api';

describe('container stdin and TTY (real containerd and runc)', function () {
  this.timeout(120_000);
  let td: TestDaemon;
  let sock: string;

  const create = async (body: Record<string, unknown>) => {
    const c = await request(sock, 'POST', '/v1.44/containers/create', {
      Image: 'busybox',
      HostConfig: { NetworkMode: 'none' },
      ...body,
    });
    assert.equal(c.status, 201, c.body);
    return String(c.json().Id);
  };

  before(async function () {
    requireContainerd(this);
    td = await startTestDaemon(5);
    sock = td.socket;
  });

  after(async () => {
    await td?.stop();
  });

  it('run -i: input piped before start reaches the process, and the half-close ends it', async () => {
    const id = await create({
      Cmd: ['cat'],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const h = await hijack(sock, `/v1.44/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
    assert.equal(h.status, 101);
    h.socket.write('piped line one\n');
    h.socket.end('piped line two\n');
    const waiting = request(sock, 'POST', `/v1.44/containers/${id}/wait?condition=next-exit`);
    assert.equal((await request(sock, 'POST', `/v1.44/containers/${id}/start`)).status, 204);
    assert.equal(JSON.parse((await waiting).body).StatusCode, 0);
    assert.equal(demuxed(await h.ended).stdout, 'piped line one\npiped line two\n');
  });

  it('keeps stdin open across attach clients without StdinOnce', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'while read l; do echo "got $l"; done'], OpenStdin: true });
    assert.equal((await request(sock, 'POST', `/v1.44/containers/${id}/start`)).status, 204);
    const a = await hijack(sock, `/v1.44/containers/${id}/attach?stream=1&stdin=1&stdout=1`);
    a.socket.end('one\n');
    await until(async () => (Buffer.concat(a.received).includes('got one') ? true : undefined));
    const b = await hijack(sock, `/v1.44/containers/${id}/attach?stream=1&stdin=1&stdout=1`);
    b.socket.write('two\n');
    await until(async () => (Buffer.concat(b.received).includes('got two') ? true : undefined));
    const i = (await request(sock, 'GET', `/v1.44/containers/${id}/json`)).json() as { State: { Running: boolean } };
    assert.equal(i.State.Running, true);
    assert.equal((await request(sock, 'POST', `/v1.44/containers/${id}/kill`)).status, 204);
    await b.ended;
  });

  it('drops input for a container without OpenStdin', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'sleep 0.5; echo bye'] });
    const h = await hijack(sock, `/v1.44/containers/${id}/attach?stream=1&stdin=1&stdout=1`);
    h.socket.write('ignored\n');
    assert.equal((await request(sock, 'POST', `/v1.44/containers/${id}/start`)).status, 204);
    assert.equal(demuxed(await h.ended).stdout, 'bye\n');
  });

  it('gives a TTY container a raw stream, input and resize', async () => {
    const id = await create({
      Cmd: ['sh', '-c', 'read l; echo "got $l"; stty size'],
      Tty: true,
      OpenStdin: true,
      StdinOnce: true,
    });
    const h = await hijack(sock, `/v1.44/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
    assert.equal(h.headers['content-type'], 'application/vnd.docker.raw-stream');
    const stopped = await request(sock, 'POST', `/v1.44/containers/${id}/resize?h=30&w=100`);
    assert.equal(stopped.status, 409);
    assert.equal((await request(sock, 'POST', `/v1.44/containers/${id}/start`)).status, 204);
    const r = await request(sock, 'POST', `/v1.44/containers/${id}/resize?h=30&w=100`);
    assert.equal(r.status, 200, r.body);
    const bad = await request(sock, 'POST', `/v1.44/containers/${id}/resize?h=-1&w=100`);
    assert.equal(bad.status, 400);
    assert.match(String(bad.json().message), /invalid h/);
    h.socket.write('typed\r');
    const text = (await h.ended).toString();
    assert.match(text, /got typed\r\n/);
    assert.match(text, /30 100\r\n/);
  });

  it('answers 404 for resize and attach of a missing container', async () => {
    assert.equal((await request(sock, 'POST', '/v1.44/containers/nope/resize?h=1&w=1')).status, 404);
    const h = await hijack(sock, '/v1.44/containers/nope/attach?stream=1&stdin=1');
    assert.equal(h.status, 404);
    assert.match(JSON.parse((await h.ended).toString()).message, /No such container: nope/);
  });
});
