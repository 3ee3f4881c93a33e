import assert from 'node:assert/strict';
import { parseUntil } from '../../../worker/engine/images';

describe('images/list until filter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('accepts unix seconds, RFC 3339 and durations', () => {
    assert.equal(parseUntil('1700000000', now), 1700000000);
    assert.equal(parseUntil('2024-01-01T00:00:00Z', now), Date.parse('2024-01-01T00:00:00Z') / 1000);
    assert.equal(parseUntil('10m', now), now / 1000 - 600);
  });
  it('rejects anything else naming the filter', () => {
    assert.throws(() => parseUntil('soon', now), /Invalid filter 'until=soon'/);
  });
});
