import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ContainerdSupervisor } from '../../worker/engine/containerd';
import { descendants, killAll, processes } from './process-table';

/** Why tests that need a real containerd cannot run here, or undefined when they can. */
export function containerdUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['containerd', 'runc', 'containerd-shim-runc-v2']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return `${bin} is not installed (bash deploy/install-deps.sh)`;
    }
  }
  return undefined;
}

/** Skips the suite loudly when containerd cannot run here. Call from before(). */
export function requireContainerd(ctx: Mocha.Context): void {
  const why = containerdUnavailableReason();
  if (why) {
    console.warn(`SKIPPED ${ctx.test?.parent?.fullTitle() ?? ''}: ${why}`);
    ctx.skip();
  }
}

export interface TestContainerd {
  address: string;
  dataRoot: string;
  supervisor: ContainerdSupervisor;
  stop(): Promise<void>;
}

/** A private containerd in a temp dir, stopped (by PID) and removed by stop(). */
export async function startTestContainerd(): Promise<TestContainerd> {
  const dataRoot = mkdtempSync(path.join(tmpdir(), 'tsswarm-ctd-'));
  const supervisor = new ContainerdSupervisor({ dataRoot });
  await supervisor.start();
  return {
    address: supervisor.address,
    dataRoot,
    supervisor,
    async stop() {
      await supervisor.stop();
      killLeftoverShims(supervisor.address);
      // Snapshots may still be mounted if a test failed midway; unmount before removing.
      try {
        execFileSync('sh', ['-c', `grep -o " ${dataRoot}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`], {
          stdio: 'ignore',
        });
      } catch {
        /* nothing mounted */
      }
      rmSync(dataRoot, { recursive: true, force: true });
      rmSync(supervisor.stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Shims outlive their containerd by design, and a test that failed midway may leave one (and its
 * container) running; it would keep the suite's process group alive after mocha ends. Kills, by
 * PID, the shims started for `address` and every process under them.
 */
export function killLeftoverShims(address: string): void {
  const procs = processes();
  const shims = procs.filter((p) => p.cmd.includes('containerd-shim') && p.cmd.includes(address));
  const doomed = shims.flatMap((s) => [...descendants(s.pid, procs), s]);
  killAll(doomed);
  if (shims.length) console.warn(`test containerd ${address}: killed ${doomed.length} leftover shim processes`);
}
