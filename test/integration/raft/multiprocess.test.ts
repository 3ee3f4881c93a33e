/**
 * Three real raftkv processes (real disks in temp folders, loopback ports) under a write and
 * read load; the leader is killed with SIGKILL and restarted on the same data. Checks that the
 * recorded history is linearizable (no acknowledged write lost, no stale read) and that the
 * restarted member catches up.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkKvHistory, type KvOp } from '../../sim/linearizability';
import { freePort } from '../../support/free-port';

const SERVER = path.resolve(__dirname, '../../../bench/raftkv/server.js');
const KEYS = 8;
const CLIENTS = 6;

function post(port: number, p: string, body: object, timeoutMs = 3000): Promise<{ status: number; json: any }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: p,
        method: 'POST',
        agent: false,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let d = '';
        res.on('data', (c) => (d += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(d) });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('raft: three raftkv processes, kill -9 of the leader', function () {
  this.timeout(90000);
  let dir: string;
  const procs = new Map<number, ChildProcess>();
  let clientPorts: number[] = [];
  let args: (i: number) => string[];

  function start(i: number): void {
    const log = fs.openSync(path.join(dir, `n${i}.log`), 'a');
    // Frequent snapshots, so that the restarted member catches up through InstallSnapshot.
    const p = spawn(process.execPath, [SERVER, ...args(i)], {
      stdio: ['ignore', log, log],
      env: { ...process.env, RAFTKV_SNAPSHOT_ENTRIES: '300' },
    });
    fs.closeSync(log);
    procs.set(i, p);
  }

  async function leader(): Promise<number> {
    for (let t = 0; t < 200; t++) {
      for (let i = 0; i < 3; i++) {
        try {
          const { json } = await post(clientPorts[i], '/v3/maintenance/status', {}, 1000);
          if (json.leader !== '0' && json.leader === json.header.member_id) return i;
        } catch {
          /* down or starting */
        }
      }
      await sleep(50);
    }
    throw new Error('no leader elected');
  }

  before(async function () {
    if (!fs.existsSync(SERVER)) {
      console.warn(`SKIP: ${SERVER} is not built (npm run build)`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftkv-mp-'));
    clientPorts = [await freePort(), await freePort(), await freePort()];
    const peerPorts = [await freePort(), await freePort(), await freePort()];
    const cluster = peerPorts.map((p, i) => `n${i + 1}=http://127.0.0.1:${p}`).join(',');
    args = (i) => [
      '--name',
      `n${i + 1}`,
      '--data-dir',
      path.join(dir, `data-n${i + 1}`),
      '--listen-client-urls',
      `http://127.0.0.1:${clientPorts[i]}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPorts[i]}`,
      '--initial-cluster',
      cluster,
    ];
    for (let i = 0; i < 3; i++) start(i);
  });

  after(async () => {
    for (const p of procs.values()) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await new Promise((r) => p.once('exit', r));
      }
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write and stays linearizable across a leader crash and restart', async () => {
    await leader();
    const history: KvOp[] = [];
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    let stop = false;
    let acked = 0;
    const client = async (c: number) => {
      for (let n = 0; !stop; n++) {
        const key = `k${(c * 7 + n) % KEYS}`;
        const port = clientPorts[(c + n) % 3];
        const invoke = now();
        if (n % 3 === 2) {
          try {
            const { status, json } = await post(port, '/v3/kv/range', { key: b64(key) });
            if (status === 200)
              history.push({
                client: c,
                kind: 'get',
                key,
                value: json.kvs ? unb64(json.kvs[0].value) : null,
                invoke,
                ret: now(),
              });
          } catch {
            /* a failed read has no effect */
          }
        } else {
          const value = `c${c}-${n}`;
          let ok = false;
          let definite = false;
          try {
            const { status } = await post(port, '/v3/kv/put', { key: b64(key), value: b64(value) });
            ok = status === 200;
            // 503 before proposing (no leader) means the write was never made.
            definite = status === 503;
          } catch {
            /* outcome unknown */
          }
          if (ok) acked++;
          if (ok || !definite) history.push({ client: c, kind: 'put', key, value, invoke, ret: ok ? now() : Infinity });
          if (!ok) await sleep(20);
        }
      }
    };
    const load = Array.from({ length: CLIENTS }, (_, c) => client(c));

    await sleep(1500);
    const victim = await leader();
    const p = procs.get(victim)!;
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
    // Enough writes while it is down that the others compact past its log (snapshot every 300).
    const base = acked;
    const downSince = Date.now();
    while ((acked - base < 700 || Date.now() - downSince < 1500) && Date.now() - downSince < 10000) await sleep(100);
    start(victim);
    await sleep(2500);
    stop = true;
    await Promise.all(load);
    assert.ok(acked > 50, `only ${acked} writes were acknowledged`);

    // Final reads on every member, the restarted one included, join the history.
    for (let k = 0; k < KEYS; k++) {
      const key = `k${k}`;
      const seen: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        let got: { status: number; json: any } | undefined;
        for (let t = 0; t < 50 && got?.status !== 200; t++) {
          const invoke = now();
          try {
            got = await post(clientPorts[i], '/v3/kv/range', { key: b64(key) });
          } catch {
            await sleep(100);
            continue;
          }
          if (got.status === 200) {
            const value = got.json.kvs ? unb64(got.json.kvs[0].value) : null;
            history.push({ client: 100 + i, kind: 'get', key, value, invoke, ret: now() });
            seen.push(value);
          } else await sleep(100);
        }
        assert.equal(got?.status, 200, `member ${i + 1} does not serve reads`);
      }
      assert.ok(
        seen.every((v) => v === seen[0]),
        `members disagree on ${key}: ${seen.join(', ')}`,
      );
    }
    const metrics = await new Promise<string>((resolve, reject) =>
      http
        .get({ host: '127.0.0.1', port: clientPorts[victim], path: '/metrics', agent: false }, (res) => {
          let d = '';
          res.on('data', (c) => (d += c));
          res.on('end', () => resolve(d));
        })
        .on('error', reject),
    );
    const installed = Number(/raft_snapshots_total\{kind="installed"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    assert.ok(installed >= 1, 'the restarted member should have caught up through a snapshot');
    const res = checkKvHistory(history);
    console.log(
      `      ${acked} acknowledged writes, ${history.length} operations checked, leader n${victim + 1} killed and restarted`,
    );
    assert.ok(res.ok, `history of ${res.key} is not linearizable:\n${res.detail}`);
  });
});
