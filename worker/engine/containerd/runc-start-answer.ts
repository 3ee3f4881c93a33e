import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { shQuote } from '../../../src/util';
import { installScript } from './installed-script';

/**
 * The `runc` the runc shim finds first on its PATH (the shim launcher puts its folder there): a
 * short sh script in front of the real runc, which it runs for everything but one call.
 *
 * The shim starts a created container with `runc --root R --log L --log-format json start ID`.
 * All that does is open the container's exec FIFO (R/ID/exec.fifo), read the byte runc's init
 * writes there before it execs the container's process, wait for that exec (the init's end of
 * the FIFO closes on exec) and remove the FIFO; the init, blocked on its open of the FIFO until
 * then, goes on. runc is a Go program: 14 ms of CPU for `runc --version` alone on a small VM,
 * against 2 ms for sh. The script does the same when the call has exactly that form, no
 * NOTIFY_SOCKET is set (with one, runc also relays the container's readiness) and the FIFO is
 * there (the container is created, not yet started). The init's pid it reads from `init.pid`
 * beside the log file, where the shim has runc create write it (runc's state.json is one line of
 * ~11 KB, which sh reads a byte per system call).
 *
 * No open of the FIFO may block for good (an init that died never opens its end), and a byte
 * the init writes must find a reader (or SIGPIPE kills it). So the script opens the FIFO
 * read-write, which never blocks, then read-only, which then does not block either, and closes
 * the read-write end: it holds a reader from before the init's open to its exec. A read that
 * ends with no byte means the init's end is not open: the init died (the script then hands the
 * call to the real runc, which answers for a dead container with its own error), or it has not
 * reached its open yet (the script reads again). The FIFO's name is removed while the script
 * waits (the init opens its end through a descriptor of its own). Any other call, or a path
 * with characters the script does not expect, goes to the real runc as it came.
 */
export function runcStartAnswerScript(realRunc: string): string {
  return `#!/bin/sh
# tsswarmd's runc in front of the real one: see runc-start-answer.ts.
real=${shQuote(realRunc)}
[ $# -eq 8 ] && [ "$1" = --root ] && [ "$3" = --log ] && [ "$5" = --log-format ] && [ "$7" = start ] &&
  [ -z "\${NOTIFY_SOCKET+set}" ] || exec "$real" "$@"
dir=$2/$8
case $dir in /*) ;; *) exec "$real" "$@" ;; esac
case $dir in *[!A-Za-z0-9/._-]* | */../* | */./*) exec "$real" "$@" ;; esac
fifo=$dir/exec.fifo
case $4 in /*/log.json) ;; *) exec "$real" "$@" ;; esac
pidfile=\${4%/log.json}/init.pid
[ -p "$fifo" ] && [ -f "$pidfile" ] || exec "$real" "$@"
pid=
IFS= read -r pid <"$pidfile"
case $pid in '' | *[!0-9]*) exec "$real" "$@" ;; esac
alive() {
  st=
  { IFS= read -r st <"/proc/$pid/stat"; } 2>/dev/null
  case \${st##*) } in '' | Z*) return 1 ;; esac
}
exec 3<>"$fifo" 4<"$fifo" 3>&-
# The init opens its end through a descriptor of its own: the name can go while it goes on.
rm -f -- "$fifo" </dev/null >/dev/null 2>&1 &
until byte=; IFS= read -r byte <&4; [ -n "$byte" ]; do
  alive || { wait; exec 4<&-; exec "$real" "$@"; }
  sleep 0.01
done
wait
`;
}

/** The runc the shim runs without a launcher in front of it. */
export const RUNC = 'runc';

/**
 * Writes the script as `<dir>/runc` and checks that it runs the real runc. False, and shims run the real runc, when
 * there is no runc, or the script cannot be written or run.
 */
export async function installRuncStartAnswer(dir: string, realRunc: string | undefined): Promise<boolean> {
  if (!realRunc) return false;
  const file = path.join(dir, RUNC);
  try {
    await mkdir(dir, { recursive: true });
    await installScript(file, runcStartAnswerScript(realRunc), ['--version']);
    return true;
  } catch {
    await rm(file, { force: true }).catch(() => undefined);
    return false;
  }
}
