import assert from 'node:assert/strict';
import { parseBool, parseFilters } from '../../../src/api';

describe('API query parsing', () => {
  it('reads filters in both JSON encodings', () => {
    assert.deepEqual(parseFilters('{"name":{"web":true,"db":false}}', ['name']), { name: ['web'] });
    assert.deepEqual(parseFilters('{"name":["web","db"]}', ['name']), { name: ['web', 'db'] });
    assert.deepEqual(parseFilters(undefined, ['name']), {});
  });
  it('refuses unknown keys and bad JSON with 400', () => {
    assert.throws(
      () => parseFilters('{"x":["1"]}', ['name']),
      (e: { httpStatus: number; message: string }) => e.httpStatus === 400 && /Invalid filter 'x'/.test(e.message),
    );
    assert.throws(() => parseFilters('{', ['name']), /invalid filters/);
    assert.throws(() => parseFilters('{"name":"web"}', ['name']), /must be a list or a map/);
  });
  it('parses booleans as Go does', () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseBool(t), true);
    for (const f of ['0', 'f', 'false', 'False']) assert.equal(parseBool(f), false);
    assert.equal(parseBool(undefined, true), true);
    assert.throws(() => parseBool('yes'), /invalid boolean/);
  });
});
