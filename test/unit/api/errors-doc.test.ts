import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES } from '../../../src/api';

describe('docs/errors.md', () => {
  it('lists every error code', () => {
    const doc = readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8');
    for (const code of ERROR_CODES) assert.ok(doc.includes(`\`${code}\``), `${code} is documented`);
  });
});
