/**
 * Node credentials on disk, under `<data-root>/certificates`: `node.key` (mode 0600), `node.crt`
 * and `ca.crt` (0644). Each file is written to a temp file, fsynced and renamed over the old one,
 * so a crash leaves either the old or the new file, never a torn one. Loading checks that the key
 * matches the certificate, which also catches a crash between two of the three renames.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../api';
import { toX509 } from './certificate-reader';
import { loadPrivateKey } from './keys';
import type { NodeCredentials } from './tls-options';

/** File names inside the credentials directory. */
export const CREDENTIAL_FILES = { key: 'node.key', cert: 'node.crt', ca: 'ca.crt' } as const;

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now().toString(36)}`;
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // the umask may have narrowed or the file may pre-exist
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function validate(creds: NodeCredentials): void {
  const key = loadPrivateKey(creds.key, 'key');
  const cert = toX509(creds.cert, 'cert');
  const ca = toX509(creds.ca, 'ca');
  if (!cert.checkPrivateKey(key)) throw new InvalidArgumentError('key: does not match cert');
  if (!cert.verify(ca.publicKey)) throw new InvalidArgumentError('cert: not signed by ca');
}

/**
 * Writes the credentials into `dir` (created with mode 0700 if missing). Validates first (key
 * matches cert, cert signed by ca) and throws InvalidArgumentError naming the field, writing nothing.
 * The key is written last so a crash mid-way leaves a pair load refuses rather than a new key
 * with an old certificate.
 */
export async function saveNodeCredentials(dir: string, creds: NodeCredentials): Promise<void> {
  validate(creds);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeAtomic(path.join(dir, CREDENTIAL_FILES.ca), creds.ca, 0o644);
  await writeAtomic(path.join(dir, CREDENTIAL_FILES.cert), creds.cert, 0o644);
  await writeAtomic(path.join(dir, CREDENTIAL_FILES.key), creds.key, 0o600);
  await syncDir(dir);
}

/**
 * Reads the credentials from `dir`. Throws NotFoundError when any file is missing, and
 * InvalidArgumentError when they are unreadable or do not belong together.
 */
export async function loadNodeCredentials(dir: string): Promise<NodeCredentials> {
  const read = async (name: string): Promise<string> => {
    try {
      return await fs.readFile(path.join(dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new NotFoundError('credentials file', path.join(dir, name), { cause: err });
      throw err;
    }
  };
  const creds = {
    key: await read(CREDENTIAL_FILES.key),
    cert: await read(CREDENTIAL_FILES.cert),
    ca: await read(CREDENTIAL_FILES.ca),
  };
  validate(creds);
  return creds;
}

/** True when `dir` holds a credentials set (without validating it). */
export async function hasNodeCredentials(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, CREDENTIAL_FILES.cert));
    return true;
  } catch {
    return false;
  }
}
