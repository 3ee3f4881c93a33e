/** The Engine API versions this daemon speaks. */
export const API_VERSION = '1.44';
export const MIN_API_VERSION = '1.24';
export const ENGINE_VERSION = '0.1.0';

/** Compares "1.41"-style versions. */
export function compareApiVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am - bm || an - bn;
}
