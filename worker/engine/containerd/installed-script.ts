import { execFile } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/**
 * Writes an executable script to `file`, replacing an older one in one rename (containerd or a
 * shim may run it at any moment), then runs it with `checkArgs`; throws when it cannot be
 * written or does not run (a noexec filesystem, a missing interpreter or program behind it).
 */
export async function installScript(file: string, text: string, checkArgs: string[]): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o755 });
  await rename(tmp, file);
  await promisify(execFile)(file, checkArgs, { timeout: 10_000 });
}
