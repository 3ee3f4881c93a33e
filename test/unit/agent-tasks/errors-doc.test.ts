import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TsswarmError } from '../../../src/api';
import * as tasks from '../../../worker/agent/tasks';

describe('task runner errors', () => {
  it('docs/errors.md lists every task error code', () => {
    const doc = readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8');
    for (const code of tasks.TASK_ERROR_CODES) assert.ok(doc.includes(`\`${code}\``), `${code} is documented`);
  });

  it('every error class is a TsswarmError with a listed code', () => {
    const samples = [new tasks.TaskRejectedError('x'), new tasks.TaskFilesError('x')];
    assert.equal(samples.length, tasks.TASK_ERROR_CODES.length);
    for (const e of samples) {
      assert.ok(e instanceof TsswarmError);
      assert.ok((tasks.TASK_ERROR_CODES as readonly string[]).includes(e.code));
      assert.equal(e.name, e.constructor.name);
    }
  });
});
