import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ConfigObject, FileReference, SecretObject } from '../../../src/api';
import type { AssignedTask } from './assigned-task';
import { TaskFilesError, TaskRejectedError } from './errors';
import type { TaskFileMount } from './task-container-config';

const run = promisify(execFile);

/** Docker's default mode of a secret or config file. */
const DEFAULT_MODE = 0o444;
/** Secrets are small (swarm caps one at 500 KiB); the tmpfs only needs to hold a task's. */
const SECRETS_TMPFS_BYTES = 16 * 1024 * 1024;

/** The secrets and configs an assignment carries, by ID. */
export interface TaskDependencies {
  secrets: ReadonlyMap<string, SecretObject>;
  configs: ReadonlyMap<string, ConfigObject>;
}

/** Where a secret reference appears in the container: /run/secrets/<name>, or File.Name when absolute. */
export function secretTarget(ref: { SecretName: string } & FileReference): string {
  const name = ref.File?.Name || ref.SecretName;
  return path.posix.isAbsolute(name) ? name : path.posix.join('/run/secrets', name);
}

/** Where a config reference appears in the container: /<name>, or File.Name when absolute. */
export function configTarget(ref: { ConfigName: string } & FileReference): string {
  const name = ref.File?.Name || ref.ConfigName;
  return path.posix.isAbsolute(name) ? name : path.posix.join('/', name);
}

/**
 * The files of one task's secrets and configs under <dataRoot>/tasks/<task id>: secrets on a
 * tmpfs of their own (so that their bytes never reach a disk), configs as plain files. Each is
 * bind-mounted read-only into the container, owned and moded as its File reference says.
 * remove() unmounts the tmpfs and deletes the folder; both methods may be called again.
 */
export class TaskFiles {
  readonly dir: string;
  readonly secretsDir: string;
  readonly configsDir: string;

  constructor(dataRoot: string, taskId: string) {
    this.dir = path.join(dataRoot, 'tasks', taskId);
    this.secretsDir = path.join(this.dir, 'secrets');
    this.configsDir = path.join(this.dir, 'configs');
  }

  /**
   * Writes the task's secrets and configs and returns their mounts. Throws TaskRejectedError
   * when the assignment lacks one the task references.
   */
  async write(task: AssignedTask, deps: TaskDependencies): Promise<TaskFileMount[]> {
    const cs = task.Spec.ContainerSpec ?? {};
    const secrets = (cs.Secrets ?? []).filter((r) => r.File);
    const configs = (cs.Configs ?? []).filter((r) => r.File);
    const out: TaskFileMount[] = [];
    if (secrets.length === 0 && configs.length === 0) return out;
    for (const r of secrets)
      if (!deps.secrets.get(r.SecretID))
        throw new TaskRejectedError(`secret ${r.SecretName} (${r.SecretID}) not found`);
    for (const r of configs)
      if (!deps.configs.get(r.ConfigID))
        throw new TaskRejectedError(`config ${r.ConfigName} (${r.ConfigID}) not found`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (secrets.length) {
      await this.mountTmpfs();
      for (const [i, r] of secrets.entries()) {
        const file = path.join(this.secretsDir, `${i}-${r.SecretID}`);
        writeRef(file, deps.secrets.get(r.SecretID)!.Spec.Data, r);
        out.push({ source: file, target: secretTarget(r) });
      }
    }
    if (configs.length) {
      mkdirSync(this.configsDir, { recursive: true, mode: 0o700 });
      for (const [i, r] of configs.entries()) {
        const file = path.join(this.configsDir, `${i}-${r.ConfigID}`);
        writeRef(file, deps.configs.get(r.ConfigID)!.Spec.Data, r);
        out.push({ source: file, target: configTarget(r) });
      }
    }
    return out;
  }

  /** Unmounts the secrets tmpfs and deletes the task's folder. */
  async remove(): Promise<void> {
    if (isMountPoint(this.secretsDir)) {
      try {
        await run('umount', [this.secretsDir]);
      } catch {
        // Still held (a container namespace that outlived us): detach it, the kernel frees it later.
        await run('umount', ['-l', this.secretsDir]).catch((err: unknown) => {
          throw new TaskFilesError(`cannot unmount ${this.secretsDir}: ${(err as Error).message}`, { cause: err });
        });
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async mountTmpfs(): Promise<void> {
    mkdirSync(this.secretsDir, { recursive: true, mode: 0o700 });
    if (isMountPoint(this.secretsDir)) return;
    try {
      await run('mount', [
        '-t',
        'tmpfs',
        '-o',
        `nodev,nosuid,noexec,mode=0700,size=${SECRETS_TMPFS_BYTES}`,
        'tmpfs',
        this.secretsDir,
      ]);
    } catch (err) {
      throw new TaskFilesError(`cannot mount the secrets tmpfs: ${(err as Error).message}`, { cause: err });
    }
  }
}

function writeRef(file: string, dataB64: string | undefined, ref: FileReference): void {
  const f = ref.File!;
  const mode = f.Mode ?? DEFAULT_MODE;
  writeFileSync(file, Buffer.from(dataB64 ?? '', 'base64'), { mode: 0o600 });
  chownSync(file, idOf(f.UID), idOf(f.GID));
  // chmod after chown: chown clears set-id bits, and the file was made 0600 under the umask.
  chmodSync(file, mode);
}

function idOf(v: string | undefined): number {
  const n = Number(v ?? '0');
  if (!Number.isInteger(n) || n < 0) throw new TaskRejectedError(`invalid file owner: ${v}`);
  return n;
}

/** Whether dir is a mount point, by /proc/self/mountinfo. */
export function isMountPoint(dir: string): boolean {
  if (!existsSync(dir)) return false;
  const target = realpathSync(dir);
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4]?.replace(/\\040/g, ' ') === target);
  } catch {
    return false;
  }
}
