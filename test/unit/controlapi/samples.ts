import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const DIR = path.join(__dirname, '../../../../../shared/docker-api');

/** A captured Docker response, or undefined where the captures are not checked out. */
export function sample(name: string): any {
  const p = path.join(DIR, name);
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined;
}

/** Every key path of `ref` (objects only, arrays by their first element) missing from `got`. */
export function missingKeys(ref: any, got: any, at = ''): string[] {
  if (Array.isArray(ref))
    return ref.length && Array.isArray(got) && got.length ? missingKeys(ref[0], got[0], at + '[0]') : [];
  if (!ref || typeof ref !== 'object') return [];
  const out: string[] = [];
  for (const k of Object.keys(ref)) {
    if (!got || typeof got !== 'object' || !(k in got)) out.push(`${at}.${k}`);
    else out.push(...missingKeys(ref[k], got[k], `${at}.${k}`));
  }
  return out;
}
