import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { shQuote } from '../../../src/util';
import { installScript } from './installed-script';
import { installRuncStartAnswer, RUNC } from './runc-start-answer';

/** The runc shim containerd runs for `io.containerd.runc.v2`. */
export const RUNC_SHIM = 'containerd-shim-runc-v2';

/** Where runc keeps its containers' state when the task's runc options name no root (the shim's default). */
export const RUNC_STATE_ROOT = '/run/containerd/runc';

/** The launcher's file name inside the directory it is installed in. */
export const LAUNCHER_NAME = 'containerd-shim-runc-v2-launcher';

/** The folder, beside the launcher, where tsswarmd leaves start hints (ShimStartHints). */
export const START_HINTS_DIR = 'shim-start-hints';

/** A hints folder that never exists: a launcher written without one answers no start itself. */
const START_HINTS_NONE = '/nonexistent';

/**
 * The program containerd runs as our tasks' shim (Tasks.Create's runtime_path): a short sh
 * script in front of containerd's runc shim, which it runs for everything but two calls.
 *
 * containerd 1.6 and 1.7 close a task's shim connection when the task is deleted, and take every
 * close for a shim that died: they run `<shim> delete`, the shim's cleanup after a crash. That is
 * a Go program that runs `runc delete --force` and unmounts the rootfs, about 12 ms of CPU per
 * removed container, spent on a container the shim's own Delete has just removed; 50 removed at
 * once spend 0.6 s of CPU on it. The script answers that call itself when nothing is left to
 * clean: the task's runc options are the defaults (so runc's state lives under RUNC_STATE_ROOT),
 * runc has no state for the container, and nothing is mounted on the bundle's rootfs. Its answer
 * is the shim's (exit status 137), without a pid or time: containerd reads them only for a task
 * it still lists, one whose shim died after its Delete had removed everything, and the exit
 * events it then sends repeat the shim's. In any other case, or for a path the script cannot
 * compare with /proc/self/mountinfo as is, the real shim's cleanup runs.
 *
 * containerd also runs `<shim> start` for every task, a Go program (about 14 ms of CPU to start
 * on a small VM) whose answer, for a task joining a shim group whose shim is up, is only that
 * shim's address: written to the bundle's `address` file and printed. tsswarmd leaves that
 * address in `<START_HINTS_DIR>/<task id>` when it knows it (ShimStartHints); the script then gives the same
 * answer, if the address is a unix socket that exists. A socket left by a shim that died makes the
 * task create fail; tsswarmd then withdraws the hint and creates the task again through the real shim.
 *
 * With `runcDir`, the shims it starts find that folder's `runc` first on their PATH (runc-start-answer.ts).
 */
export function launcherScript(
  realShim: string,
  stateRoot = RUNC_STATE_ROOT,
  hints = START_HINTS_NONE,
  runcDir?: string,
): string {
  const runcFirst = runcDir ? `PATH=${shQuote(runcDir)}:$PATH; export PATH\n` : '';
  return `#!/bin/sh
# tsswarmd's launcher of containerd's runc shim: see runc-shim-launcher.ts.
real=${shQuote(realShim)}
${runcFirst}hints=${shQuote(hints)}
eval "last=\\\${$#}"
joined() {
  id=
  while [ $# -gt 1 ]; do
    [ "$1" = -id ] && id=$2
    shift
  done
  case $id in '' | *[!A-Za-z0-9._-]*) return 1 ;; esac
  [ -f "$hints/$id" ] || return 1
  read -r addr <"$hints/$id" || return 1
  case $addr in unix:///* ) ;; *) return 1 ;; esac
  case $addr in *[!A-Za-z0-9/:._-]*) return 1 ;; esac
  [ -S "\${addr#unix://}" ] || return 1
  printf %s "$addr" >address || return 1
  printf %s "$addr"
}
case $last in
start) joined "$@" && exit 0; exec "$real" "$@" ;;
delete) ;;
*) exec "$real" "$@" ;;
esac
nothing_left() {
  id= bundle= ns= opts=
  while [ $# -gt 1 ]; do
    case $1 in -id) id=$2 ;; -bundle) bundle=$2 ;; -namespace) ns=$2 ;; esac
    shift
  done
  [ -n "$id" ] && [ -n "$bundle" ] && [ -n "$ns" ] || return 1
  case "$id$bundle$ns" in *[!A-Za-z0-9/._-]*) return 1 ;; esac
  if [ -e "$bundle/options.json" ]; then IFS= read -r opts <"$bundle/options.json" || :; fi
  case "$opts" in '' | '{}') ;; *) return 1 ;; esac
  [ -e ${shQuote(stateRoot)}"/$ns/$id" ] && return 1
  # grep, not a loop of sh's read, which reads a byte per system call: 15k of them for 50 mounts.
  grep -qsF " $bundle/rootfs " /proc/self/mountinfo
  [ $? -eq 1 ]
}
nothing_left "$@" || exec "$real" "$@"
printf '\\020\\211\\001'
`;
}

/**
 * Writes the launcher into `dir` and checks that it runs the real shim. Undefined, and tasks get
 * the stock shim, when there is no runc shim on PATH or the launcher cannot be written or run (a
 * noexec filesystem). The runc start answer goes into `dir` too, in front of the runc on PATH,
 * and the shims the launcher starts find it first.
 */
export async function installRuncShimLauncher(
  dir: string,
  o: { realShim?: string; stateRoot?: string } = {},
): Promise<string | undefined> {
  const realShim = o.realShim ?? (await onPath(RUNC_SHIM));
  if (!realShim) return undefined;
  const file = path.join(dir, LAUNCHER_NAME);
  try {
    await mkdir(path.join(dir, START_HINTS_DIR), { recursive: true, mode: 0o700 });
    const runcDir = (await installRuncStartAnswer(dir, await onPath(RUNC))) ? dir : undefined;
    const script = launcherScript(realShim, o.stateRoot, path.join(dir, START_HINTS_DIR), runcDir);
    await installScript(file, script, ['-v']);
    return file;
  } catch {
    return undefined;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const d of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!d) continue;
    const f = path.join(d, name);
    try {
      await access(f, constants.X_OK);
      return f;
    } catch {
      /* not here */
    }
  }
  return undefined;
}
