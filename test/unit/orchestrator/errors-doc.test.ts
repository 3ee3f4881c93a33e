import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TsswarmError } from '../../../src/api';
import { InvalidConstraintError, ORCHESTRATOR_ERROR_CODES } from '../../../manager/orchestrator';

describe('orchestrator errors', () => {
  it('docs/errors.md lists every orchestrator error code, and each class has one', () => {
    const doc = readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8');
    for (const code of ORCHESTRATOR_ERROR_CODES) assert.ok(doc.includes(`\`${code}\``), code);
    const samples = [new InvalidConstraintError('x')];
    assert.equal(samples.length, ORCHESTRATOR_ERROR_CODES.length);
    for (const e of samples) {
      assert.ok(e instanceof TsswarmError);
      assert.ok((ORCHESTRATOR_ERROR_CODES as readonly string[]).includes(e.code));
    }
  });
});
