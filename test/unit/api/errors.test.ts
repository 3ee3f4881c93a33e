import assert from 'node:assert/strict';
import { ConflictError, InvalidArgumentError, NotFoundError, toTsswarmError, TsswarmError } from '../../../src/api';

describe('api errors', () => {
  it('carry a stable code and Docker status', () => {
    const e = new NotFoundError('container', 'abc');
    assert.equal(e.httpStatus, 404);
    assert.equal(e.code, 'TSW_NOT_FOUND');
    assert.equal(e.message, 'No such container: abc');
    assert.equal(new ConflictError('x').httpStatus, 409);
    assert.equal(new InvalidArgumentError('x').httpStatus, 400);
  });
  it('wrap unknown throwables as internal errors', () => {
    const e = toTsswarmError(new Error('boom'));
    assert.ok(e instanceof TsswarmError);
    assert.equal(e.httpStatus, 500);
  });
});
