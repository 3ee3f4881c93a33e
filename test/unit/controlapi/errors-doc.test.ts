import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TsswarmError } from '../../../src/api';
import * as e from '../../../manager/controlapi/control-errors';

describe('controlapi errors', () => {
  it('docs/errors.md lists every control API code', () => {
    const doc = readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8');
    for (const code of e.CONTROL_ERROR_CODES) assert.ok(doc.includes(`\`${code}\``), `${code} is documented`);
  });

  it('every class has a listed code and its status', () => {
    const samples: [TsswarmError, number][] = [
      [new e.NameInUseError(), 409],
      [new e.InvalidSpecError('x'), 400],
      [new e.ReferenceNotFoundError('secret', ['a']), 400],
      [new e.NetworkNotFoundError('n'), 404],
      [new e.IngressAttachError('ingress'), 400],
      [new e.InUseError('secret', 'a', ['b']), 409],
      [new e.NotImplementedError('x'), 501],
    ];
    assert.equal(samples.length, e.CONTROL_ERROR_CODES.length);
    for (const [err, status] of samples) {
      assert.ok((e.CONTROL_ERROR_CODES as readonly string[]).includes(err.code));
      assert.equal(err.httpStatus, status);
    }
    assert.equal(
      new e.ReferenceNotFoundError('config', ['a', 'b']).message,
      'rpc error: code = InvalidArgument desc = configs not found: a, b',
    );
  });
});
