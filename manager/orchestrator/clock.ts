/**
 * Clock: the time source and timers of the orchestrators, injectable so tests move time by
 * hand instead of waiting. Times are ms since the epoch.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once, `ms` from now; returns a handle for clearTimer. */
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

/** The process's wall clock and timers (unref'd: a pending restart delay never keeps the process up). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};
