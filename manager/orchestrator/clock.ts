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

/**
 * The process's wall clock and timers (unref'd: a pending restart delay never keeps the process
 * up). Node times its timers by the monotonic clock in whole milliseconds, so a bare setTimeout
 * can fire up to a millisecond early by Date.now(), often or rarely by how the two clocks'
 * millisecond edges fall on the machine; an owner that then finds its delay not yet over would
 * not be called again. A timer here fires only once `now()` has reached its time.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const wait = Math.max(0, ms);
    const due = Date.now() + wait;
    const handle: { t?: NodeJS.Timeout } = {};
    const arm = (wait: number) => {
      handle.t = setTimeout(() => {
        const left = due - Date.now();
        if (left > 0) arm(left);
        else fn();
      }, wait);
      handle.t.unref?.();
    };
    arm(wait);
    return handle;
  },
  clearTimer: (h) => clearTimeout((h as { t?: NodeJS.Timeout }).t),
};
