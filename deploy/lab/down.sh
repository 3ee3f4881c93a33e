#!/usr/bin/env bash
# down.sh [--dir DIR]
# Removes the lab: on every host its containers, then its tsswarmd (SIGTERM, SIGKILL after
# $LAB_STOP_GRACE s), its containerd and shims if still alive, anything left in its cgroups,
# mounts under DIR and under its containerd's state, container namespaces, its namespace and
# veth; then the bridge tswlab0, the lab's FORWARD rules and DIR. Safe to run twice and when
# nothing is up. Every process is found by PID (pid files, or exact arguments naming DIR).
source "$(dirname "$0")/lib.sh"
lab_parse_args "$@"
[ ${#LAB_ARGS[@]} = 0 ] || die "usage: down.sh [--dir DIR]"
lab_require_root
if [ -f "$LAB_MARKER" ] && [ "$(cat "$LAB_MARKER")" != "$LAB_DIR" ] && ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
  die "the lab of this machine is in $(cat "$LAB_MARKER"), not $LAB_DIR: deploy/lab/down.sh --dir $(cat "$LAB_MARKER")"
fi
hosts=$(lab_hosts)
pids=()
for h in $hosts; do
  lab_remove_host "$h" &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
lab_unmount_under "$LAB_DIR"
lab_remove_bridge
rm -f "$LAB_MARKER"
rmdir "$(dirname "$LAB_MARKER")" 2>/dev/null || true
rm -rf "$LAB_DIR"
[ $rc = 0 ] || die "some hosts were not removed cleanly (see above)"
say "down${hosts:+: $(echo $hosts)}"
