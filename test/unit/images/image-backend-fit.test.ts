import assert from 'node:assert/strict';
import type { ImagesFactory } from '../../../worker/daemon/daemon';
import { ImageService } from '../../../worker/engine/images';

describe('images/ImageService fits the daemon', () => {
  it('is what ImagesFactory builds (compile-time check)', () => {
    const factory: ImagesFactory = (deps) => new ImageService(deps);
    assert.equal(typeof factory, 'function');
  });
});
