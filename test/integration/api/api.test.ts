import assert from 'node:assert/strict';
import * as http from 'node:http';
import { requireContainerd } from '../../support/containerd';
import { startTestDaemon, type TestDaemon } from '../../support/daemon';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  socketPath: string,
  method: string,
  p: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      {
        socketPath,
        method,
        path: p,
        headers: { ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('Engine API over the daemon socket (real containerd)', function () {
  this.timeout(120_000);
  let td: TestDaemon;
  let dataRoot: string;
  let sock: string;

  before(async function () {
    requireContainerd(this);
    td = await startTestDaemon(1);
    sock = td.socket;
    dataRoot = td.dataRoot;
  });

  after(async () => {
    await td?.stop();
  });

  it('answers /_ping (HEAD and GET) with the API version headers', async () => {
    const head = await request(sock, 'HEAD', '/_ping');
    assert.equal(head.status, 200);
    assert.equal(head.headers['api-version'], '1.44');
    assert.equal(head.headers.ostype, 'linux');
    const get = await request(sock, 'GET', '/_ping');
    assert.equal(get.body, 'OK');
  });

  it('serves versioned and unversioned paths, and refuses versions below 1.24', async () => {
    const v = JSON.parse((await request(sock, 'GET', '/v1.41/version')).body);
    assert.equal(v.ApiVersion, '1.44');
    assert.equal(v.MinAPIVersion, '1.24');
    assert.ok(v.Components.some((c: { Name: string }) => c.Name === 'containerd'));
    assert.equal((await request(sock, 'GET', '/version')).status, 200);
    assert.equal((await request(sock, 'GET', '/v1.99/version')).status, 200);
    const old = await request(sock, 'GET', '/v1.12/version');
    assert.equal(old.status, 400);
    assert.match(JSON.parse(old.body).message, /too old/);
  });

  it('has /info in Docker shape', async () => {
    const i = JSON.parse((await request(sock, 'GET', '/info')).body);
    for (const k of [
      'Containers',
      'ContainersRunning',
      'Images',
      'Driver',
      'NCPU',
      'MemTotal',
      'DockerRootDir',
      'Swarm',
      'ServerVersion',
      'KernelVersion',
      'CgroupVersion',
    ])
      assert.ok(k in i, k);
    assert.equal(i.Swarm.LocalNodeState, 'inactive');
    assert.equal(i.DockerRootDir, dataRoot);
  });

  it('answers bad requests with {"message"} and Docker status codes', async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['GET', '/nope', undefined, 404, /page not found/],
      ['POST', '/containers/create', '{bad json', 400, /invalid JSON/],
      ['GET', '/containers/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D', undefined, 400, /Invalid filter 'bogus'/],
      ['GET', '/containers/json?filters=notjson', undefined, 400, /invalid filters/],
      ['GET', '/containers/deadbeefcafe/json', undefined, 404, /No such container/],
      ['POST', '/containers/create', { Image: 'busybox', Env: 'x' }, 400, /Env/],
      ['POST', '/containers/create', { Image: 'busybox', HostConfig: { Memory: 'big' } }, 400, /HostConfig\.Memory/],
      ['POST', '/containers/create?name=bad%20name', { Image: 'busybox' }, 400, /Invalid container name/],
      ['GET', '/containers/json?all=maybe', undefined, 400, /invalid boolean/],
      ['POST', '/containers/nope/kill', undefined, 404, /No such container/],
    ];
    for (const [method, p, body, status, re] of cases) {
      const r = await request(sock, method, p, body);
      assert.equal(r.status, status, `${method} ${p}: ${r.body}`);
      assert.match(JSON.parse(r.body).message, re, `${method} ${p}`);
    }
  });

  it('runs a container: create, wait (headers first), start, logs, inspect, list, remove; events stream it', async () => {
    const events: string[] = [];
    const evReq = http.request(
      { socketPath: sock, path: '/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D' },
      (res) => {
        res.on('data', (c: Buffer) => {
          for (const l of c.toString().split('\n')) if (l) events.push(JSON.parse(l).Action);
        });
      },
    );
    evReq.end();
    await new Promise((r) => setTimeout(r, 100));

    const created = await request(sock, 'POST', '/v1.44/containers/create?name=api1', {
      Image: 'busybox',
      Cmd: ['sh', '-c', 'echo hello; echo oops >&2; exit 4'],
      HostConfig: { NetworkMode: 'none' },
    });
    assert.equal(created.status, 201);
    const { Id } = JSON.parse(created.body);
    const gotHeaders = new Promise<string>((resolve) => {
      const req = http.request(
        { socketPath: sock, method: 'POST', path: `/containers/${Id}/wait?condition=next-exit` },
        (res) => {
          let d = '';
          res.on('data', (c) => (d += c));
          res.on('end', () => resolve(d));
        },
      );
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await request(sock, 'POST', `/containers/${Id}/start`)).status, 204);
    assert.equal(JSON.parse(await gotHeaders).StatusCode, 4);
    const logs = await request(sock, 'GET', `/containers/api1/logs?stdout=1&stderr=1`);
    assert.ok(logs.body.includes('hello'));
    assert.equal(logs.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    const inspect = JSON.parse((await request(sock, 'GET', `/containers/${Id.slice(0, 8)}/json`)).body);
    assert.equal(inspect.State.ExitCode, 4);
    assert.equal(inspect.Name, '/api1');
    const list = JSON.parse(
      (await request(sock, 'GET', '/containers/json?all=1&filters=%7B%22name%22%3A%7B%22api1%22%3Atrue%7D%7D')).body,
    );
    assert.equal(list.length, 1);
    assert.match(list[0].Status, /^Exited \(4\)/);
    assert.equal((await request(sock, 'POST', `/containers/${Id}/start`)).status, 204);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await request(sock, 'DELETE', `/containers/${Id}?force=1`)).status, 204);
    assert.equal((await request(sock, 'GET', `/containers/${Id}/json`)).status, 404);
    evReq.destroy();
    for (const a of ['create', 'start', 'die', 'destroy'])
      assert.ok(events.includes(a), `event ${a} in ${events.join(',')}`);
  });

  it('lists the built-in networks', async () => {
    const nets = JSON.parse((await request(sock, 'GET', '/networks')).body);
    assert.deepEqual(nets.map((n: { Name: string }) => n.Name).sort(), ['bridge', 'host', 'none']);
  });
});
