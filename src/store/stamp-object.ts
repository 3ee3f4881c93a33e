import { deepFreeze } from './deep-freeze';
import type { AnyObject } from './kinds';

/**
 * The stored form of an object: the store's own fields first (Docker's order), then the
 * caller's, frozen. Apply stamps Version and times from the entry, never from a local clock.
 */
export function stampObject(obj: AnyObject, index: number, createdAt: string, updatedAt: string): AnyObject {
  const { ID, Version: _v, CreatedAt: _c, UpdatedAt: _u, ...rest } = obj;
  return deepFreeze({
    ID,
    Version: { Index: index },
    CreatedAt: createdAt,
    UpdatedAt: updatedAt,
    ...rest,
  } as AnyObject);
}
