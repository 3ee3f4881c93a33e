#!/usr/bin/env bash
# start.sh HOST [--dir DIR]
# Starts the host's tsswarmd again on the same data root, flags and namespace (after kill.sh,
# or a crash); a containerd left from the old daemon is stopped first, so the new daemon runs
# its own. Waits for /_ping and rewrites DIR/hosts. A running daemon is left alone.
source "$(dirname "$0")/lib.sh"
lab_parse_args "$@"
[ ${#LAB_ARGS[@]} = 1 ] || die "usage: start.sh HOST [--dir DIR]"
h=${LAB_ARGS[0]}
lab_index "$h" >/dev/null
lab_require_root
[ -d "$(lab_hdir "$h")" ] || die "$h is not a host of the lab in $LAB_DIR (up.sh makes hosts)"
ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || die "the lab's bridge $LAB_BRIDGE is gone: run up.sh"
lab_make_netns "$h"
lab_start_daemon "$h"
lab_write_files
say "$h: tsswarmd is up (pid $(lab_daemon_pid "$h"))"
