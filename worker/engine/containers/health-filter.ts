import { InvalidArgumentError } from '../../../src/api';
import type { ContainerRecord } from './container-record';

/** The values of GET /containers/json's `health` filter ("none": no healthcheck runs). */
export const HEALTH_FILTER_VALUES = ['none', 'starting', 'healthy', 'unhealthy'] as const;

/** Docker's 400 for a value it does not know (daemon/list.go). */
export function validateHealthFilter(values: readonly string[] | undefined): void {
  for (const v of values ?? []) {
    if (!(HEALTH_FILTER_VALUES as readonly string[]).includes(v))
      throw new InvalidArgumentError(
        `invalid filter 'health=${v}': invalid value for health (${v}): must be one of ${HEALTH_FILTER_VALUES.join(', ')}`,
      );
  }
}

/** Whether the container's health is one of `values`; never started or never checked is "none". */
export function healthFilterMatches(r: ContainerRecord, values: readonly string[]): boolean {
  return values.includes(r.State.Health?.Status ?? 'none');
}
