/**
 * The --health-* and --no-healthcheck flags of `run`, `create`, `service create` and
 * `service update`, as the docker CLI turns them into a HealthConfig (durations in ns).
 */
import type { Command } from 'commander';
import { parseDuration } from './commands/swarm';

/** Docker's HealthConfig. */
export interface HealthConfigFlags {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The flags (commander's camelCase names; `noHealthcheck` from --no-healthcheck). */
export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  noHealthcheck?: boolean;
}

/** Registers the flags on a command, with docker's names and words. */
export function healthOptions(c: Command): Command {
  return c
    .option('--health-cmd <cmd>', 'Command to run to check health')
    .option('--health-interval <d>', 'Time between running the check (ms|s|m|h)')
    .option('--health-retries <n>', 'Consecutive failures needed to report unhealthy')
    .option('--health-timeout <d>', 'Maximum time to allow one check to run (ms|s|m|h)')
    .option('--health-start-period <d>', 'Start period for the container to initialize before counting retries')
    .option('--health-start-interval <d>', 'Time between running the check during the start period (ms|s|m|h)')
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK');
}

function duration(v: string, flag: string): number {
  if (v.startsWith('-')) throw new Error(`invalid argument "${v}" for "--${flag}" flag: duration cannot be negative`);
  return v === '0' ? 0 : parseDuration(v);
}

function retries(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`invalid argument "${v}" for "--health-retries" flag`);
  if (n < 0) throw new Error('--health-retries cannot be negative');
  return n;
}

function anyHealthFlag(f: HealthFlags): boolean {
  return (
    f.healthCmd !== undefined ||
    f.healthInterval !== undefined ||
    f.healthTimeout !== undefined ||
    f.healthRetries !== undefined ||
    f.healthStartPeriod !== undefined ||
    f.healthStartInterval !== undefined
  );
}

/**
 * The healthcheck after the flags, starting from `cur` (a service's current one for `service
 * update`, none for the others), or `cur` itself when no health flag is given. As the docker
 * CLI: --no-healthcheck is ["NONE"] and refuses any --health-*; other flags replace their field
 * (an earlier ["NONE"] goes), --health-cmd "" drops the test.
 */
export function applyHealthFlags(cur: HealthConfigFlags | undefined, f: HealthFlags): HealthConfigFlags | undefined {
  if (f.noHealthcheck) {
    if (anyHealthFlag(f)) throw new Error('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!anyHealthFlag(f)) return cur;
  const hc: HealthConfigFlags = { ...(cur ?? {}) };
  if (hc.Test?.[0] === 'NONE') delete hc.Test;
  if (f.healthInterval !== undefined) hc.Interval = duration(f.healthInterval, 'health-interval');
  if (f.healthTimeout !== undefined) hc.Timeout = duration(f.healthTimeout, 'health-timeout');
  if (f.healthStartPeriod !== undefined) hc.StartPeriod = duration(f.healthStartPeriod, 'health-start-period');
  if (f.healthStartInterval !== undefined) hc.StartInterval = duration(f.healthStartInterval, 'health-start-interval');
  if (f.healthRetries !== undefined) hc.Retries = retries(f.healthRetries);
  if (f.healthCmd !== undefined) {
    if (f.healthCmd) hc.Test = ['CMD-SHELL', f.healthCmd];
    else delete hc.Test;
  }
  // Zero fields are left out, as Go's omitempty does.
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) if (!hc[k]) delete hc[k];
  return hc;
}
