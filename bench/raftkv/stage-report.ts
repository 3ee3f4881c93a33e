/**
 * Per-stage latency of sequential puts from RAFT_STAGE_TRACE files (one per member process):
 *   RAFT_STAGE_TRACE=/tmp/tr/t <start the members>; <run client.js seq>; <stop them>
 *   node dist/bench/raftkv/stage-report.js /tmp/tr
 * Each put on the leader runs from its request's bytes arriving (sock_in) to the answer
 * (http_out); follower stages are matched to it by the first App received after the leader
 * sent. Only meaningful with one put in flight.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageType } from '../../src/raft';

type Ev = { name: string; detail: number; t: number };

function load(file: string): Ev[] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [name, detail, t] = l.split(' ');
      return { name, detail: Number(detail), t: Number(t) };
    });
}

function main(dir: string): void {
  const procs = fs
    .readdirSync(dir)
    .filter((f) => /\.\d+$/.test(f))
    .map((f) => load(path.join(dir, f)));
  const leader = procs.find((p) => p.some((e) => e.name === 'http_in'));
  if (!leader) throw new Error(`no leader trace (with http_in) in ${dir}`);
  const followers = procs.filter((p) => p !== leader);
  const puts: Ev[][] = [];
  let cur: Ev[] | undefined;
  for (const e of leader) {
    if (e.name === 'sock_in') puts.push((cur = []));
    cur?.push(e);
    if (e.name === 'http_out') cur = undefined;
  }
  const stages = new Map<string, number[]>();
  const add = (k: string, v: number) => {
    if (Number.isFinite(v)) stages.set(k, [...(stages.get(k) ?? []), v]);
  };
  // The first puts warm up the JIT.
  for (const ev of puts.slice(100)) {
    const at = (name: string, from = 0) => ev.find((e) => e.name === name && e.t >= from)?.t ?? NaN;
    const t0 = ev[0].t;
    const out = at('http_out');
    const sent = at('sent');
    if (!Number.isFinite(out) || !Number.isFinite(sent)) continue;
    add('L request parsed', at('http_in') - t0);
    add('L proposal to Ready loop', at('loop') - at('http_in'));
    add('L Ready to Apps sent', sent - at('loop'));
    add('L own sync (background)', at('flushed') - sent);
    const resps = ev.filter((e) => e.name === 'in' && e.detail === MessageType.AppResp).map((e) => e.t);
    followers.forEach((p) => {
      const k = p.findIndex((e) => e.name === 'in' && e.detail === MessageType.App && e.t >= sent);
      if (k < 0 || p[k].t > out) return;
      const next = (name: string) => p.slice(k).find((e) => e.name === name)?.t ?? NaN;
      add('F App transit', p[k].t - sent);
      add('F receipt to Ready loop', next('loop') - p[k].t);
      add('F write + fsync', next('saved') - next('ready'));
      add('F reply sent', next('sent') - next('saved'));
      add('F reply transit', (resps.find((r) => r >= next('sent')) ?? NaN) - next('sent'));
    });
    const quorum = [at('flushed'), ...resps].filter(Number.isFinite).sort((a, b) => a - b)[1];
    const commit = ev.find((e) => e.name === 'ready' && e.detail > 0 && e.t >= quorum)?.t ?? NaN;
    add('L Apps sent to quorum durable', quorum - sent);
    add('L quorum to commit Ready', commit - quorum);
    add('L commit Ready to answer', out - commit);
    add('total', out - t0);
  }
  const q = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(p * a.length))].toFixed(3);
  process.stdout.write(`puts ${puts.length}; ms per stage (p50 p90 p99)\n`);
  for (const [k, v] of stages) {
    v.sort((a, b) => a - b);
    process.stdout.write(`${k.padEnd(32)} ${q(v, 0.5)} ${q(v, 0.9)} ${q(v, 0.99)}\n`);
  }
}

main(process.argv[2] ?? '.');
