/**
 * raftkv: a KV server on raft-ts, one process per member, speaking the subset of etcd's v3
 * JSON gateway that bench/kv/compare.sh drives (POST /v3/kv/put, /v3/kv/range,
 * /v3/maintenance/status) and taking etcd's flags. Members talk plain TCP on loopback
 * (insecure: benchmark only); a put is answered after commit (a majority fsync'd) and apply.
 */
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Registry } from 'prom-client';
import { NotLeaderError, RaftNode, TimeoutError } from '../../src/raft/node';
import { parseFlags } from './flags';
import { createLiteServer, type Respond } from './http-lite';
import { KvState, encodePut } from './kv-state';
import { traceStage as stage } from '../../src/raft/node';

const TRACE = process.env.RAFTKV_TRACE === '1';
const lat: number[] = [];
function trace(ms: number): void {
  lat.push(ms);
  if (lat.length === 1000) {
    lat.sort((a, b) => a - b);
    process.stderr.write(`propose->applied p50 ${lat[500].toFixed(3)} p99 ${lat[990].toFixed(3)} ms\n`);
    lat.length = 0;
  }
}

/**
 * Runs a full garbage collection once the node has been idle (nothing applied) for 200 ms
 * after a busy spell, so that memory held by garbage from a burst of writes goes back to the
 * system instead of waiting for the next allocation-driven collection. Soon after the burst,
 * not later: a pause that lands when election timers fire (a second after a leader is lost)
 * would stretch the vote round trip and invite a split vote.
 */
function idleGc(node: RaftNode): void {
  let gc: (() => void) | undefined;
  try {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  } catch {
    return;
  }
  let last = node.appliedIndex();
  let busy = false;
  let quiet = 0;
  setInterval(() => {
    const now = node.appliedIndex();
    if (now !== last) {
      busy = true;
      quiet = 0;
    } else if (busy && ++quiet >= 2) {
      busy = false;
      gc!();
    }
    last = now;
  }, 100).unref();
}

/**
 * Caps V8's young generation near `mb` (both semi-spaces) instead of letting it grow to
 * 32 MiB under load and stay there: V8 only reads the growth factor when it grows the
 * nursery, so growth is switched off once the cap is reached.
 */
function capNursery(mb: number): void {
  if (!(mb > 0)) return;
  const iv = setInterval(() => {
    const ns = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    if (ns && ns.space_size >= mb * 1024 * 1024) {
      v8.setFlagsFromString('--semi-space-growth-factor=1');
      clearInterval(iv);
    }
  }, 10);
  iv.unref();
}

function main(): void {
  capNursery(Number(process.env.RAFTKV_NURSERY_MB ?? 8));
  const f = parseFlags(process.argv.slice(2));
  const id = f.cluster.findIndex((m) => m.name === f.name) + 1;
  const peers = new Map(f.cluster.map((m, i) => [i + 1, m.addr] as [number, string]));
  const kv = new KvState(path.join(f.dataDir, 'kv'));
  const registry = new Registry();
  const node = new RaftNode({
    id,
    dataDir: f.dataDir,
    listen: f.peerListen,
    peers,
    stateMachine: kv,
    // etcd's defaults: 1000 ms election timeout, 100 ms heartbeat; finer ticks.
    tickMs: 10,
    electionTicks: 100,
    heartbeatTicks: 10,
    // Commit indexes reach followers with the next App or tick: no message round per put.
    lazyCommitBroadcast: process.env.RAFTKV_LAZY_COMMIT !== '0',
    electionJitter: Number(process.env.RAFTKV_ELECTION_JITTER ?? 0.1),
    // Like etcd, a put made during an election waits for the new leader instead of failing.
    holdProposalsWithoutLeader: process.env.RAFTKV_HOLD_PROPOSALS !== '0',
    snapshotEntries: Number(process.env.RAFTKV_SNAPSHOT_ENTRIES ?? 100000),
    registry,
    onLeaderChange: TRACE
      ? (leader, role) =>
          process.stderr.write(`${Date.now()} leader ${leader} role ${role} term ${node.status().term}\n`)
      : undefined,
    storage: {
      blockingFsync: process.env.RAFTKV_BLOCKING_FSYNC !== '0',
      segmentBytes: Number(process.env.RAFTKV_SEGMENT_MB ?? 64) << 20,
    },
    onFatal: (err) => {
      process.stderr.write(`raftkv ${f.name}: fatal: ${err.message} ${String(err.cause ?? '')}\n`);
      process.exit(1);
    },
  });
  const memberId = String(id);
  const header = () =>
    `{"cluster_id":"1","member_id":"${memberId}","revision":"${kv.revision}","raft_term":"${node.status().term}"}`;

  const fail = (respond: Respond, err: unknown) => {
    if (err instanceof NotLeaderError)
      respond(503, JSON.stringify({ error: err.message, code: 14, message: err.message }));
    else if (err instanceof TimeoutError)
      respond(504, JSON.stringify({ error: err.message, code: 4, message: err.message }));
    else respond(500, JSON.stringify({ error: String((err as Error)?.message ?? err), code: 13 }));
  };

  const server = createLiteServer((req, respond) => {
    let body: { key?: unknown; value?: unknown };
    try {
      body = req.body.length > 0 ? JSON.parse(req.body.toString('latin1')) : {};
    } catch {
      return respond(400, '{"error":"body is not JSON","code":3}');
    }
    if (req.method !== 'POST' && req.url !== '/metrics')
      return respond(405, '{"error":"method not allowed","code":12}');
    switch (req.url) {
      case '/v3/kv/put': {
        if (typeof body.key !== 'string' || body.key === '')
          return respond(400, '{"error":"key: a non-empty base64 string is required","code":3}');
        const value = typeof body.value === 'string' ? body.value : '';
        const t0 = TRACE ? performance.now() : 0;
        stage('http_in');
        node.propose(encodePut(body.key, value)).then(
          () => {
            if (TRACE) trace(performance.now() - t0);
            stage('http_out');
            respond(200, `{"header":${header()}}`);
          },
          (err) => fail(respond, err),
        );
        return;
      }
      case '/v3/kv/range': {
        if (typeof body.key !== 'string' || body.key === '')
          return respond(400, '{"error":"key: a non-empty base64 string is required","code":3}');
        const key = body.key;
        node.readBarrier().then(
          () => {
            const v = kv.get(key);
            const kvs = v
              ? `,"kvs":[{"key":"${key}","create_revision":"${v.createRevision}","mod_revision":"${v.modRevision}","version":"${v.version}","value":"${v.value}"}],"count":"1"`
              : '';
            respond(200, `{"header":${header()}${kvs}}`);
          },
          (err) => fail(respond, err),
        );
        return;
      }
      case '/v3/maintenance/status':
        return respond(
          200,
          `{"header":${header()},${TRACE ? `"mem":${JSON.stringify(process.memoryUsage())},` : ''}"version":"raftkv","leader":"${node.leaderId()}","raftIndex":"${node.appliedIndex()}","raftTerm":"${node.status().term}"}`,
        );
      case '/metrics':
        registry.metrics().then((m) => respond(200, m));
        return;
      default:
        return respond(404, '{"error":"not found","code":5}');
    }
  });

  node.start().then(
    () => server.listen(f.clientPort, f.clientHost),
    (err) => {
      process.stderr.write(`raftkv ${f.name}: cannot start: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
  const shutdown = () => {
    server.close();
    node.stop().then(() => process.exit(0));
  };
  idleGc(node);
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main();
