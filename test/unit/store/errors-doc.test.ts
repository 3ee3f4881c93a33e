import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as store from '../../../src/store';
import { TsswarmError } from '../../../src/api';

describe('store errors', () => {
  it('docs/errors.md lists every store error code', () => {
    const doc = readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8');
    for (const code of store.STORE_ERROR_CODES) assert.ok(doc.includes(`\`${code}\``), `${code} is documented`);
  });

  it('every exported error class is a TsswarmError with a listed code', () => {
    const samples = [
      new store.SequenceConflictError('service', 'a', 1, 2),
      new store.NameConflictError('service', 'web'),
      new store.UniqueKeyConflictError('network', 'subnet 10.0.1.0/24'),
      new store.ObjectExistsError('service', 'a'),
      new store.ObjectNotFoundError('service', 'a'),
      new store.AmbiguousReferenceError('service', 'a', 2),
      new store.InvalidObjectError('x'),
      new store.BatchTooLargeError(2, 1, 1),
      new store.ProposalFailedError('x'),
      new store.WatchOverflowError(1),
      new store.WatchResetError('x'),
      new store.CorruptDataError('x'),
    ];
    assert.equal(samples.length, store.STORE_ERROR_CODES.length);
    for (const e of samples) {
      assert.ok(e instanceof TsswarmError);
      assert.ok((store.STORE_ERROR_CODES as readonly string[]).includes(e.code), e.code);
      assert.ok(e.httpStatus >= 400 && e.httpStatus < 600);
      assert.equal(e.name, e.constructor.name);
    }
  });
});
