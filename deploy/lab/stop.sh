#!/usr/bin/env bash
# stop.sh HOST [--dir DIR]
# Stops the host's tsswarmd as a shutdown would: SIGTERM, SIGKILL after $LAB_STOP_GRACE s. The
# daemon stops its containerd on the way out (its containers keep running); start.sh HOST brings
# it back on the same data. Its namespace and data root stay. A host whose daemon is down is a no-op.
source "$(dirname "$0")/lib.sh"
lab_parse_args "$@"
[ ${#LAB_ARGS[@]} = 1 ] || die "usage: stop.sh HOST [--dir DIR]"
h=${LAB_ARGS[0]}
lab_index "$h" >/dev/null
lab_require_root
[ -d "$(lab_hdir "$h")" ] || die "$h is not a host of the lab in $LAB_DIR (up.sh makes hosts)"
pid=$(lab_daemon_pid "$h")
if [ -z "$pid" ]; then
  say "$h: no tsswarmd is running"
  exit 0
fi
lab_stop_pids "$pid"
lab_alive "$pid" && die "$h: tsswarmd (pid $pid) is still running"
lab_write_files
say "$h: stopped tsswarmd (pid $pid)"
