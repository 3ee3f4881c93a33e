import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import { parseStdcopy } from '../../../worker/engine/containers/stdcopy';
import { requireContainerd } from '../../support/containerd';
import { eventually, startTwoNodeSwarm, teardownSwarm, type SwarmDaemon } from './swarm-daemons';

interface Task {
  ID: string;
  NodeID?: string;
  ServiceID: string;
  DesiredState: string;
  Status: { State: string };
}

interface Frame {
  stream: string;
  text: string;
}

const WEB = 'web';
const TICKER = 'ticker';
const spec = (name: string, script: string, replicas: number) => ({
  Name: name,
  TaskTemplate: {
    ContainerSpec: { Image: 'busybox', Args: ['sh', '-c', script], StopGracePeriod: 1_000_000_000 },
    RestartPolicy: { Condition: 'none' },
  },
  Mode: { Replicated: { Replicas: replicas } },
});

/** GET of a log stream: the frames until the response ends (or `until` says stop, then the request is dropped). */
function logs(
  d: SwarmDaemon,
  p: string,
  until?: (f: Frame[]) => boolean,
  ms = 15_000,
): Promise<{ status: number; type: string; frames: Frame[] }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method: 'GET', path: p }, (res) => {
      let buf = Buffer.alloc(0);
      const frames = () => parseStdcopy(buf).map((f) => ({ stream: f.stream, text: f.data.toString('utf8') }));
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), frames: frames() });
      };
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`no end of ${p} within ${ms} ms: ${JSON.stringify(frames())}`));
      }, ms);
      res.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (res.statusCode === 200 && until?.(frames())) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
      res.on('error', () => undefined);
    });
    req.on('error', (err) => (until ? undefined : reject(err)));
    req.end();
  });
}

describe('swarm service logs: GET /services/{id}/logs and /tasks/{id}/logs from the nodes (real daemons)', function () {
  this.timeout(60_000);
  const ds: SwarmDaemon[] = [];
  let mgr: SwarmDaemon, wkr: SwarmDaemon;
  const nodeIds: string[] = [];
  let webTasks: Task[] = [];

  const running = async (service: string): Promise<Task[]> => {
    const f = encodeURIComponent(JSON.stringify({ service: [service] }));
    const r = await mgr.api('GET', `/v1.44/tasks?filters=${f}`);
    return (r.json as Task[]).filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
  };

  before(async function () {
    requireContainerd(this);
    this.timeout(45_000);
    const swarm = await startTwoNodeSwarm(51, 24100);
    ({ mgr, wkr } = swarm);
    ds.push(mgr, wkr);
    nodeIds.push(swarm.mgrId, swarm.wkrId);
    for (const s of [
      spec(WEB, 'echo hello-$HOSTNAME; sleep 3600', 2),
      spec(TICKER, 'i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.5; done', 1),
    ]) {
      const r = await mgr.api('POST', '/v1.44/services/create', s);
      assert.equal(r.status, 201, r.body);
    }
    webTasks = await eventually(
      async () => {
        const t = await running(WEB);
        return t.length === 2 && (await running(TICKER)).length === 1 && t;
      },
      30_000,
      'web 2/2 and ticker 1/1',
    );
  });

  after(async function () {
    this.timeout(30_000);
    if (!mgr) return;
    await teardownSwarm(ds, async (m) => {
      for (const s of [WEB, TICKER]) await m.api('DELETE', `/v1.44/services/${s}`).catch(() => undefined);
    });
  });

  it("service logs: every task's line, from both nodes, with the swarm details, framed with stdcopy", async () => {
    assert.deepEqual(new Set(webTasks.map((t) => t.NodeID)), new Set(nodeIds), 'one task per node');
    const r = await eventually(
      async () => {
        const x = await logs(mgr, `/v1.44/services/${WEB}/logs?stdout=1&stderr=1&details=1`);
        return x.frames.length >= 2 && x;
      },
      10_000,
      'both lines',
    );
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/vnd.docker.multiplexed-stream');
    assert.equal(r.frames.length, 2, JSON.stringify(r.frames));
    for (const t of webTasks) {
      const want = `com.docker.swarm.node.id=${t.NodeID},com.docker.swarm.service.id=${t.ServiceID},com.docker.swarm.task.id=${t.ID} `;
      const f = r.frames.find((x) => x.text.startsWith(want));
      assert.ok(f, `a line of task ${t.ID}: ${JSON.stringify(r.frames)}`);
      assert.equal(f.stream, 'stdout');
      assert.match(f.text.slice(want.length), /^hello-\S+\n$/);
    }
    // timestamps come first, then the details (as Docker's WriteLogStream)
    const ts = await logs(mgr, `/v1.44/services/${WEB}/logs?stdout=1&details=1&timestamps=1`);
    for (const f of ts.frames)
      assert.match(f.text, /^\d{4}-\d\d-\d\dT[\d:.]+Z com\.docker\.swarm\.node\.id=\S+ hello-/);
    // without details: the bare lines
    const bare = await logs(mgr, `/v1.44/services/${WEB}/logs?stdout=1`);
    assert.deepEqual(
      bare.frames.map((f) => f.text.startsWith('hello-')),
      [true, true],
    );
    // stderr only: nothing (the lines are stdout), and the response still ends
    assert.deepEqual((await logs(mgr, `/v1.44/services/${WEB}/logs?stderr=1`)).frames, []);
  });

  it("tail=1 gives the last line of each task; a task's logs are that task's only", async () => {
    const ticker = (await running(TICKER))[0]!;
    await eventually(
      async () => (await logs(mgr, `/v1.44/tasks/${ticker.ID}/logs?stdout=1`)).frames.length >= 3,
      10_000,
      'three ticks',
    );
    const tail = await logs(mgr, `/v1.44/services/${TICKER}/logs?stdout=1&details=1&tail=1`);
    assert.equal(tail.frames.length, 1, JSON.stringify(tail.frames));
    assert.match(tail.frames[0]!.text, /com\.docker\.swarm\.task\.id=\S+ tick-\d+\n$/);
    const t = webTasks[1]!;
    const one = await logs(mgr, `/v1.44/tasks/${t.ID}/logs?stdout=1&details=1`);
    assert.equal(one.frames.length, 1, JSON.stringify(one.frames));
    assert.ok(one.frames[0]!.text.includes(`com.docker.swarm.task.id=${t.ID} hello-`));
  });

  it('follow keeps the stream open and brings the lines written later; the client leaving ends it', async () => {
    const seen: string[] = [];
    const r = await logs(mgr, `/v1.44/services/${TICKER}/logs?stdout=1&follow=1&tail=0`, (f) => {
      seen.splice(0, seen.length, ...f.map((x) => x.text));
      return f.length >= 2;
    });
    assert.equal(r.status, 200);
    assert.ok(r.frames.length >= 2, JSON.stringify(r.frames));
    const n = r.frames.map((f) => Number(/^tick-(\d+)\n$/.exec(f.text)?.[1]));
    assert.ok(n.every((x) => Number.isInteger(x)) && n[1]! > n[0]!, JSON.stringify(r.frames));
    // the subscription is cancelled on both ends
    const broker = () =>
      (mgr.daemon as unknown as { swarm: { manager(): { dispatcher: { logs: { size: number } } } } }).swarm.manager()
        .dispatcher.logs;
    await eventually(async () => broker().size === 0, 5000, 'no subscription left');
  });

  it('the docker CLI prints `<service>.<slot>.<task>@<node> | line` from the details', async function () {
    const docker = ['/usr/local/bin/docker', '/usr/bin/docker'].find((p) => existsSync(p));
    if (!docker) return this.skip();
    const cli = (...args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          docker,
          ['-H', `unix://${mgr.socket}`, 'service', 'logs', ...args],
          { env: { ...process.env, DOCKER_HOST: '', DOCKER_CONFIG: mgr.dataRoot }, timeout: 15_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)),
        ),
      );
    const out = await cli('--no-trunc', WEB);
    const got = out.trim().split('\n').sort();
    assert.equal(got.length, 2, out);
    for (const t of webTasks)
      assert.ok(
        got.some((l) => new RegExp(`^web\\.\\d\\.${t.ID}@\\S+\\s+\\| hello-`).test(l)),
        out,
      );
    // timestamps first, then the context; and a task's logs by its ID
    const ts = await cli('--no-trunc', '--timestamps', webTasks[0]!.ID);
    assert.match(
      ts.trim(),
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ web\\.\\d\\.${webTasks[0]!.ID}@\\S+\\s+\\| hello-\\S+$`),
    );
  });

  it('a manager that is not the leader forwards to the leader (cluster endpoint over mutual TLS)', async () => {
    const wid = nodeIds[1]!;
    const node = (await mgr.api('GET', `/v1.44/nodes/${wid}`)).json;
    const r = await mgr.api('POST', `/v1.44/nodes/${wid}/update?version=${node.Version.Index}`, {
      ...node.Spec,
      Role: 'manager',
    });
    assert.equal(r.status, 200, r.body);
    await eventually(
      async () => (await wkr.api('GET', '/info')).json.Swarm.ControlAvailable,
      20_000,
      'a second manager',
    );
    const x = await eventually(
      async () => {
        const y = await logs(wkr, `/v1.44/services/${WEB}/logs?stdout=1&details=1`);
        return y.status === 200 && y.frames.length === 2 && y;
      },
      15_000,
      'both lines from the second manager',
    );
    assert.equal(x.type, 'application/vnd.docker.multiplexed-stream');
    for (const t of webTasks)
      assert.ok(x.frames.some((f) => f.text.includes(`com.docker.swarm.task.id=${t.ID} hello-`)));
    // follow through the forward: a later tick arrives
    const f = await logs(wkr, `/v1.44/services/${TICKER}/logs?stdout=1&follow=1&tail=0`, (fr) => fr.length >= 1);
    assert.match(f.frames[0]?.text ?? '', /^tick-\d+\n$/, `${f.status} ${f.type} ${JSON.stringify(f.frames)}`);
    assert.equal((await wkr.api('GET', '/v1.44/services/nope/logs?stdout=1')).status, 404);
  });

  it("a task that failed keeps its logs: its container stays as long as the task's history", async () => {
    // Restarted once: the failed task it replaced is shut down, as history.
    const dies = spec('dies', 'echo last-words; exit 3', 1);
    dies.TaskTemplate.RestartPolicy = {
      Condition: 'on-failure',
      Delay: 0,
      MaxAttempts: 1,
    } as typeof dies.TaskTemplate.RestartPolicy;
    const r = await mgr.api('POST', '/v1.44/services/create', dies);
    assert.equal(r.status, 201, r.body);
    const id = (r.json as { ID: string }).ID;
    try {
      const f = encodeURIComponent(JSON.stringify({ service: ['dies'] }));
      const failed = await eventually(
        async () =>
          ((await mgr.api('GET', `/v1.44/tasks?filters=${f}`)).json as Task[]).find(
            (t) => t.Status.State === 'failed' && t.DesiredState === 'shutdown',
          ),
        30_000,
        'a failed task replaced',
      );
      const got = await logs(mgr, `/v1.44/tasks/${failed.ID}/logs?stdout=1`);
      assert.equal(got.status, 200);
      assert.deepEqual(
        got.frames.map((x) => x.text.trim()),
        ['last-words'],
      );
    } finally {
      await mgr.api('DELETE', `/v1.44/services/${id}`);
    }
  });

  it('errors: no stream chosen is a 400, an unknown service a 404', async () => {
    const a = await mgr.api('GET', `/v1.44/services/${WEB}/logs`);
    assert.equal(a.status, 400, a.body);
    assert.match(a.json.message, /you must choose at least one stream/);
    const b = await mgr.api('GET', '/v1.44/services/nope/logs?stdout=1');
    assert.equal(b.status, 404, b.body);
  });
});
