/** The orchestrators' typed errors. */
import { TsswarmError } from '../../src/api';

/** 400: a placement constraint that does not parse (Docker's message). */
export class InvalidConstraintError extends TsswarmError {
  constructor(readonly constraint: string) {
    super('TSW_ORCH_INVALID_CONSTRAINT', 400, `invalid constraint: ${constraint}`);
  }
}

/** Every orchestrator error code, for the documentation check. */
export const ORCHESTRATOR_ERROR_CODES = ['TSW_ORCH_INVALID_CONSTRAINT'] as const;
