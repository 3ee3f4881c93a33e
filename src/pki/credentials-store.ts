/**
 * Node credentials on disk, under `<data-root>/certificates`: `node.key` (mode 0600), `node.crt`
 * and `ca.crt` (0644). A save stages the three files as `<name>.next` (each fsynced, the key last),
 * then renames them into place, the key last. A present `node.key.next` therefore means a complete
 * staged set: loading rolls it forward, so a crash at any point of a renewal leaves the old set or
 * the new one, never a key with the other set's certificate. Loading also checks that the key
 * matches the certificate.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../api';
import { toX509 } from './certificate-reader';
import { loadPrivateKey } from './keys';
import type { NodeCredentials } from './tls-options';

/** File names inside the credentials directory. */
export const CREDENTIAL_FILES = { key: 'node.key', cert: 'node.crt', ca: 'ca.crt' } as const;

/** In the order they are staged and renamed: the key's staged file is the commit mark. */
const ORDER = [CREDENTIAL_FILES.ca, CREDENTIAL_FILES.cert, CREDENTIAL_FILES.key] as const;
const staged = (dir: string, name: string): string => path.join(dir, `${name}.next`);

/** Writes `file` whole or not at all: a temp file, fsynced, renamed. */
async function writeDurable(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // the umask may have narrowed or the file may pre-exist
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Finishes a save a crash interrupted after staging, or drops a staging it interrupted before. */
async function recover(dir: string): Promise<void> {
  const complete = await exists(staged(dir, CREDENTIAL_FILES.key));
  let touched = false;
  for (const name of ORDER) {
    const next = staged(dir, name);
    await fs.rm(`${next}.tmp`, { force: true });
    if (!(await exists(next))) continue;
    if (complete) await fs.rename(next, path.join(dir, name));
    else await fs.rm(next, { force: true });
    touched = true;
  }
  if (touched) await syncDir(dir);
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
 */
export async function saveNodeCredentials(dir: string, creds: NodeCredentials): Promise<void> {
  validate(creds);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await recover(dir);
  const data = {
    [CREDENTIAL_FILES.ca]: creds.ca,
    [CREDENTIAL_FILES.cert]: creds.cert,
    [CREDENTIAL_FILES.key]: creds.key,
  };
  try {
    for (const name of ORDER)
      await writeDurable(staged(dir, name), data[name], name === CREDENTIAL_FILES.key ? 0o600 : 0o644);
    await syncDir(dir);
  } catch (err) {
    for (const name of ORDER) {
      await fs.rm(staged(dir, name), { force: true });
      await fs.rm(`${staged(dir, name)}.tmp`, { force: true });
    }
    throw err;
  }
  await recover(dir);
}

/**
 * Reads the credentials from `dir`. Throws NotFoundError when any file is missing, and
 * InvalidArgumentError when they are unreadable or do not belong together.
 */
export async function loadNodeCredentials(dir: string): Promise<NodeCredentials> {
  await recover(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
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
