#!/usr/bin/env bash
# up.sh N [--dir DIR] [-- DAEMON-FLAGS...]
# Makes lab hosts h1..hN on this machine: each a network namespace on the bridge tswlab0
# (10.99.0.0/24, hosts at .11, .12, ...) running its own tsswarmd and containerd, data under
# DIR/hK (default DIR /tmp/tsswarm-lab, or $TSSWARM_LAB_DIR). Waits for each /_ping, then
# writes DIR/hosts ("name address socket pid" per line) and DIR/env (source it for h1..hN
# helpers). Hosts already up are left alone; a failure removes what this run made.
# DAEMON-FLAGS (e.g. --insecure-registry 10.99.0.1:5000) go to every daemon, now and on
# later start.sh; TSSWARMD overrides the daemon entry (default dist/worker/daemon/main.js).
source "$(dirname "$0")/lib.sh"

daemon_args=()
pre=()
while [ $# -gt 0 ]; do
  if [ "$1" = -- ]; then
    shift
    daemon_args=("$@")
    break
  fi
  pre+=("$1")
  shift
done
lab_parse_args "${pre[@]}"
[ ${#LAB_ARGS[@]} = 1 ] && [[ ${LAB_ARGS[0]} =~ ^[1-9][0-9]*$ ]] && [ "${LAB_ARGS[0]}" -le $LAB_MAX_HOSTS ] ||
  die "usage: up.sh N [--dir DIR] [-- DAEMON-FLAGS...] (N = 1..$LAB_MAX_HOSTS)"
N=${LAB_ARGS[0]}
lab_require_root
for bin in ip iptables nsenter unshare setsid curl jq containerd runc "$NODE"; do
  command -v "$bin" >/dev/null || die "$bin is not installed (bash deploy/install-deps.sh)"
done
[ -f "$TSSWARMD" ] || die "daemon entry $TSSWARMD not found: build first (npm run build) or set TSSWARMD"

if [ -f "$LAB_MARKER" ] && [ "$(cat "$LAB_MARKER")" != "$LAB_DIR" ] && ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
  die "a lab is up in $(cat "$LAB_MARKER"); one lab per machine: deploy/lab/down.sh --dir $(cat "$LAB_MARKER") first"
fi

LAB_MADE_BRIDGE=0
made_dir=0
made_hosts=()
finish() {
  local rc=$?
  [ $rc = 0 ] && return 0
  set +e
  say "failed; removing what this run made"
  for h in "${made_hosts[@]}"; do lab_remove_host "$h"; done
  if [ $LAB_MADE_BRIDGE = 1 ]; then
    lab_remove_bridge
    rm -f "$LAB_MARKER"
    rmdir "$(dirname "$LAB_MARKER")" 2>/dev/null
  fi
  if [ $made_dir = 1 ]; then rm -rf "$LAB_DIR"; fi
  exit $rc
}
trap finish EXIT

if [ ! -d "$LAB_DIR" ]; then
  mkdir -p "$LAB_DIR"
  made_dir=1
fi
if [ ${#daemon_args[@]} -gt 0 ]; then printf '%s\n' "${daemon_args[@]}" >"$LAB_DIR/daemon-args"; fi
lab_ensure_bridge
mkdir -p "$(dirname "$LAB_MARKER")"
echo "$LAB_DIR" >"$LAB_MARKER"

# Namespaces first (fast), then the daemons, started together and waited for one by one.
todo=()
for k in $(seq 1 "$N"); do
  h=h$k
  if [ -n "$(lab_daemon_pid "$h")" ] && lab_ping "$h"; then continue; fi
  lab_netns_names | grep -qxF "$(lab_ns "$h")" || made_hosts+=("$h")
  lab_make_netns "$h"
  todo+=("$h")
done
pids=()
for h in "${todo[@]}"; do
  lab_start_daemon "$h" &
  pids+=($!)
done
failed=()
for i in "${!todo[@]}"; do wait "${pids[$i]}" || failed+=("${todo[$i]}"); done
if [ ${#failed[@]} -gt 0 ]; then
  die "tsswarmd did not come up on ${failed[*]} (logs above)"
fi
lab_write_files
[ ${#todo[@]} -gt 0 ] && say "up: ${todo[*]}" || say "all $N hosts were up already"
cat "$LAB_DIR/hosts"
echo "source $LAB_DIR/env   # then: h1 ps -a, h2 info, h1_sh ip addr, ..." >&2
