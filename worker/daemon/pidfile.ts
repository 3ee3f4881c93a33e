import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConflictError } from '../../src/api';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims the pid file, refusing when another live daemon holds it (two daemons must not share a data root). */
export function claimPidfile(file: string): () => void {
  mkdirSync(path.dirname(file), { recursive: true });
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && pid !== process.pid && alive(pid)) {
      throw new ConflictError(
        `pid file found, ensure tsswarmd is not running or delete ${file} (process ${pid} holds it)`,
      );
    }
  }
  writeFileSync(file, `${process.pid}\n`, { flag: 'w' });
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
}
