import type { TsswarmError } from '../api';

/** What applying one store entry gave: the entry's index and, if the batch was refused, why. */
export interface ApplyResult {
  readonly index: number;
  readonly error?: TsswarmError;
}

export function isApplyResult(v: unknown): v is ApplyResult {
  return typeof v === 'object' && v !== null && typeof (v as { index?: unknown }).index === 'number';
}
