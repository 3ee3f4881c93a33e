/**
 * npm run bench:swarm [-- --rounds N] [--tsswarmd-node-args "ARGS"] [--keep-log DIR]: one tsswarmd
 * (its own data root, containerd, socket, bridge and subnet under a temp folder) measured by the
 * shared swarm referee, ../shared/bench/swarm/compare.sh, which starts its own dockerd in swarm
 * mode and a registry on 127.0.0.1:5055 and runs the same workload on both in turn. Its table is
 * printed as it comes; everything started here is stopped by PID, even on Ctrl-C or error.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../engine/engine-client';
import { cleanupOnSignals, unmountUnder } from '../engine/process';
import { startTsswarmd } from '../engine/tsswarm-daemon';
import { parseSwarmFlags } from './flags';
import { removeSwarmLeftovers } from './leftovers';

/** The repository root, from this file's place in the build (dist/bench/swarm or the source tree). */
function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d))
    if (existsSync(path.join(d, 'package.json'))) return d;
  throw new Error(`no package.json above ${__dirname}`);
}

/** Runs compare.sh with the terminal's output; resolves with its exit code. */
function runCompare(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<void> {
  const f = parseSwarmFlags(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the swarm benchmark runs daemons and containers: run it as root');
  const script = path.resolve(repoRoot(), '..', 'shared', 'bench', 'swarm', 'compare.sh');
  if (!existsSync(script)) throw new Error(`${script} not found: the referee lives beside the repository`);
  const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-bench-swarm-'));
  const td = path.join(dir, 'tsswarmd');
  mkdirSync(td);
  let stop: (() => Promise<void>) | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await stop?.().catch((e: Error) => process.stderr.write(`bench: stopping tsswarmd: ${e.message}\n`));
      if (f.keepLog) copyFileSync(path.join(td, 'tsswarmd.log'), path.join(f.keepLog, 'tsswarmd.log'));
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    })());
  cleanupOnSignals(cleanup);
  const load = loadavg();
  let code = 1;
  try {
    const d = await startTsswarmd(td, `tsswarm-bench-swarm-${process.pid}`, {
      bridgeName: `tswsb${process.pid % 100000}`,
      subnet: '10.231.253.0/24',
      nodeArgs: f.tsswarmdNodeArgs,
      // compare.sh runs dockerd with --bridge none: tasks there get only a loopback, and here too.
      daemonArgs: ['--default-network', 'none'],
    });
    stop = async () => {
      const c = new EngineClient(d.client.socket);
      await removeSwarmLeftovers(c);
      c.close();
      await d.stop();
    };
    d.client.close();
    const sock = path.join(td, 'tsswarm.sock');
    code = await runCompare(script, ['--socket', sock, '--pid', String(d.pid), '--rounds', String(f.rounds)]);
  } finally {
    await cleanup();
  }
  const end = loadavg();
  process.stdout.write(
    `load average ${load.map((x) => x.toFixed(2)).join(' ')} at start, ${end.map((x) => x.toFixed(2)).join(' ')} at the end, ${cpus().length} CPUs\n`,
  );
  if (code !== 0) throw new Error(`compare.sh exited with ${code}`);
}

main().catch((err) => {
  process.stderr.write(`bench:swarm: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
