import { InvalidArgumentError } from '../../../src/api';

/**
 * Docker's HealthConfig, as a create body's `Healthcheck` and an image config's carry it.
 * Durations are nanoseconds; 0 (or absent) means "inherit" (from the image) or "the default".
 */
export interface HealthConfig {
  /** ["CMD", arg...], ["CMD-SHELL", "command"], ["NONE"]; empty: inherit the image's. */
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The shortest non-zero duration a healthcheck takes (Docker's container.MinimumDuration, 1ms). */
export const MIN_HEALTH_DURATION_NS = 1_000_000;

/** Docker's defaults (daemon/health.go). */
export const HEALTH_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
  retries: 3,
} as const;

/** A healthcheck with defaults applied, in the units the monitor uses. */
export interface ResolvedHealthcheck {
  /** The probe's command line: CMD's arguments, or the shell with CMD-SHELL's. */
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

/**
 * Docker's create-time checks (daemon/container.go validateHealthCheck), with its messages;
 * InvalidArgumentError (400) on the first that fails.
 */
export function validateHealthcheck(h: HealthConfig | null | undefined): void {
  if (!h) return;
  const tooSmall = (v: number | undefined) => v !== undefined && v !== 0 && v < MIN_HEALTH_DURATION_NS;
  if (tooSmall(h.Interval)) throw new InvalidArgumentError('Interval in Healthcheck cannot be less than 1ms');
  if (tooSmall(h.Timeout)) throw new InvalidArgumentError('Timeout in Healthcheck cannot be less than 1ms');
  if ((h.Retries ?? 0) < 0) throw new InvalidArgumentError('Retries in Healthcheck cannot be negative');
  if (tooSmall(h.StartPeriod)) throw new InvalidArgumentError('StartPeriod in Healthcheck cannot be less than 1ms');
  if (tooSmall(h.StartInterval)) throw new InvalidArgumentError('StartInterval in Healthcheck cannot be less than 1ms');
}

/** The HealthConfig in an image config (untrusted JSON): its well-typed fields, or undefined. */
export function healthConfigOf(v: unknown): HealthConfig | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const out: HealthConfig = {};
  if (Array.isArray(o.Test) && o.Test.every((t) => typeof t === 'string')) out.Test = [...(o.Test as string[])];
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    const n = o[k];
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) out[k] = n;
  }
  return out;
}

/**
 * The container's healthcheck over the image's, as Docker merges them at create
 * (daemon/commit.go merge): without one of its own the container takes the image's; with one,
 * each field left empty or zero takes the image's. Returns a new object (or undefined).
 */
export function mergeHealthcheck(
  container: HealthConfig | null | undefined,
  image: HealthConfig | null | undefined,
): HealthConfig | undefined {
  if (!image) return container ? { ...container } : undefined;
  if (!container) return { ...image };
  const out: HealthConfig = { ...container };
  if (!out.Test?.length && image.Test) out.Test = image.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const)
    if (!out[k] && image[k]) out[k] = image[k];
  return out;
}

/**
 * The probe and timings of a healthcheck, or undefined when it runs nothing: none given, an
 * empty Test, ["NONE"], or a test type Docker does not know (it logs and runs nothing).
 * `shell` is the container's Shell (Docker's default /bin/sh -c).
 */
export function resolveHealthcheck(
  h: HealthConfig | null | undefined,
  shell: readonly string[] = ['/bin/sh', '-c'],
): ResolvedHealthcheck | undefined {
  const test = h?.Test;
  if (!h || !test?.length) return undefined;
  let cmd: string[];
  if (test[0] === 'CMD') cmd = test.slice(1);
  else if (test[0] === 'CMD-SHELL') cmd = test.length > 1 ? [...shell, ...test.slice(1)] : [];
  else return undefined;
  const ms = (ns: number | undefined, dflt: number) => (ns ? ns / 1e6 : dflt);
  return {
    cmd,
    intervalMs: ms(h.Interval, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: ms(h.Timeout, HEALTH_DEFAULTS.timeoutMs),
    startPeriodMs: ms(h.StartPeriod, HEALTH_DEFAULTS.startPeriodMs),
    startIntervalMs: ms(h.StartInterval, HEALTH_DEFAULTS.startIntervalMs),
    retries: h.Retries && h.Retries > 0 ? h.Retries : HEALTH_DEFAULTS.retries,
  };
}

/** True when the healthcheck runs a probe (what swarm's executor waits on before `running`). */
export function hasHealthcheck(h: HealthConfig | null | undefined): boolean {
  return resolveHealthcheck(h) !== undefined;
}

/**
 * A duration as Go's time.Duration prints it ("30s", "200ms", "1.5s", "1m30s", "2h0m0s"), for
 * Docker's "Health check exceeded timeout (30s)".
 */
export function formatGoDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let n = Math.abs(ns);
  const frac = (v: number, unit: number) => {
    const whole = Math.floor(v / unit);
    const rest = v % unit;
    if (!rest) return String(whole);
    const digits = String(unit).length - 1;
    return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
  };
  if (n < 1e3) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${frac(n, 1e3)}µs`;
  if (n < 1e9) return `${sign}${frac(n, 1e6)}ms`;
  const h = Math.floor(n / 3600e9);
  n -= h * 3600e9;
  const m = Math.floor(n / 60e9);
  n -= m * 60e9;
  const s = frac(n, 1e9);
  if (h) return `${sign}${h}h${m}m${s}s`;
  if (m) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}
