export interface RestartPolicy {
  Name?: string;
  MaximumRetryCount?: number;
}

/**
 * Whether a container that just exited comes back, by Docker's rules: `always` and
 * `unless-stopped` unless a user stopped it; `on-failure` for non-zero exits up to the retry count.
 */
export function shouldRestart(
  policy: RestartPolicy | null | undefined,
  exitCode: number,
  restartCount: number,
  stoppedByUser: boolean,
): boolean {
  if (stoppedByUser) return false;
  switch (policy?.Name ?? '') {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure': {
      if (exitCode === 0) return false;
      const max = policy?.MaximumRetryCount ?? 0;
      return max === 0 || restartCount < max;
    }
    default:
      return false;
  }
}

/** Docker's restart backoff: 100 ms doubling per consecutive restart, at most a minute. */
export function restartDelayMs(consecutive: number): number {
  return Math.min(100 * 2 ** consecutive, 60_000);
}
