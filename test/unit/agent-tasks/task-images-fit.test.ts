import assert from 'node:assert/strict';
import type { TaskImages } from '../../../worker/agent/tasks';
import type { ImageService } from '../../../worker/engine/images';

describe('TaskImages', () => {
  it("is what the daemon's ImageService offers (checked by the compiler)", () => {
    const fits = (s: ImageService): TaskImages => s;
    assert.equal(typeof fits, 'function');
  });
});
