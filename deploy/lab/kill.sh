#!/usr/bin/env bash
# kill.sh HOST [--dir DIR]
# SIGKILLs the host's tsswarmd, as a crash would: its containerd, shims and containers keep
# running (start.sh HOST brings the daemon back, which re-adopts them).
source "$(dirname "$0")/lib.sh"
lab_parse_args "$@"
[ ${#LAB_ARGS[@]} = 1 ] || die "usage: kill.sh HOST [--dir DIR]"
h=${LAB_ARGS[0]}
lab_index "$h" >/dev/null
lab_require_root
pid=$(lab_daemon_pid "$h")
[ -n "$pid" ] || die "$h: no tsswarmd is running (pid file $(lab_pidfile "$h"))"
lab_kill_daemon "$h"
lab_write_files
say "$h: killed tsswarmd (pid $pid)"
