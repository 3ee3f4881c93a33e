# Shared by up.sh, down.sh, kill.sh and start.sh: names, addresses and the steps that make and
# remove one lab host. Sourced, never run.
#
# One lab per machine. Host hK (K = 1..50) is:
#   network namespace tswlab-hK, veth tswlab-hK (root side, on bridge tswlab0) <-> eth0 (inside),
#   underlay address 10.99.0.(10+K)/24, default route via the bridge's 10.99.0.1;
#   tsswarmd with --data-root DIR/hK, API unix://DIR/hK/tsswarm.sock, bridge tswlbK on
#   10.98.K.0/24, cgroup parent and containerd namespace tsswarm-lab-hK, metrics on 10.99.0.(10+K):9323, log DIR/hK/tsswarmd.log,
#   and its own containerd (state under /run/tsswarm/containerd-<hash of DIR/hK>).
# The daemon joins only the host's network namespace (nsenter --net) and gets its own UTS
# namespace (hostname hK); it keeps the machine's mount namespace, because `ip netns exec`
# remounts /sys without the cgroup hierarchies runc needs, and hides the daemon's mounts (the
# containers' namespaces in /run/netns, their rootfs) from a restarted daemon.

set -euo pipefail

# One lab command at a time: each holds a lock on this file (no lock file is left behind).
exec 9<"${BASH_SOURCE[0]}"
flock -w 300 9 || { echo "lab: another lab command has been running for 5 minutes" >&2; exit 1; }

LAB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_BRIDGE=tswlab0
LAB_NET=10.99.0
LAB_GW=10.99.0.1
LAB_PREFIX=24
LAB_MAX_HOSTS=50
LAB_FW_COMMENT=tsswarm-lab
# Which DIR holds the lab of this machine (the bridge and namespace names are machine-wide).
LAB_MARKER=/run/tsswarm-lab/dir
TSSWARMD=${TSSWARMD:-$LAB_REPO/dist/worker/daemon/main.js}
TSSWARM_CLI=${TSSWARM_CLI:-$LAB_REPO/dist/cli/main.js}
NODE=${NODE:-node}
LAB_STOP_GRACE=${LAB_STOP_GRACE:-10}
LAB_START_TIMEOUT=${LAB_START_TIMEOUT:-60}

die() {
  echo "lab: $*" >&2
  exit 1
}
say() { echo "lab: $*" >&2; }

# Parses --dir DIR out of "$@"; sets LAB_DIR (absolute, not following symlinks, as the daemon's
# path.resolve) and LAB_ARGS (the rest).
lab_parse_args() {
  local dir=${TSSWARM_LAB_DIR:-/tmp/tsswarm-lab}
  LAB_ARGS=()
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) [ $# -ge 2 ] || die "--dir needs a value"; dir=$2; shift 2 ;;
      --dir=*) dir=${1#--dir=}; shift ;;
      *) LAB_ARGS+=("$1"); shift ;;
    esac
  done
  LAB_DIR=$(realpath -ms "$dir")
  [ "$LAB_DIR" != / ] || die "refusing --dir /"
  # Unix socket paths have 107 bytes.
  [ ${#LAB_DIR} -le 80 ] || die "--dir $LAB_DIR is too long for the hosts' API sockets (80 characters at most)"
}

lab_require_root() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, bridges, iptables, cgroups)"
}

lab_index() { # hK -> K
  [[ $1 =~ ^h([1-9][0-9]?)$ ]] || die "unknown host '$1': hosts are h1..h$LAB_MAX_HOSTS"
  local k=${BASH_REMATCH[1]}
  [ "$k" -le "$LAB_MAX_HOSTS" ] || die "unknown host '$1': hosts are h1..h$LAB_MAX_HOSTS"
  echo "$k"
}
lab_ns() { echo "tswlab-$1"; }
lab_netns_names() { ip netns list 2>/dev/null | awk '{print $1}'; }
lab_addr() { echo "$LAB_NET.$((10 + $(lab_index "$1")))"; }
lab_hdir() { echo "$LAB_DIR/$1"; }
lab_sock() { echo "$LAB_DIR/$1/tsswarm.sock"; }
lab_pidfile() { echo "$LAB_DIR/$1/tsswarmd.pid"; }
lab_dbridge() { echo "tswlb$(lab_index "$1")"; }
lab_bip() { echo "10.98.$(lab_index "$1").0/24"; }
lab_cgroup() { echo "tsswarm-lab-$1"; }
# Its own containerd namespace too: containerd's runc shim keeps runc's state in
# /run/containerd/runc/<namespace>, one directory for every containerd on the machine.
lab_ctd_ns() { echo "tsswarm-lab-$1"; }
# The containerd state dir the daemon's supervisor derives from the data root.
lab_ctd_state() { echo "/run/tsswarm/containerd-$(printf %s "$LAB_DIR/$1" | sha256sum | cut -c1-12)"; }

# Hosts this lab knows of: data roots under DIR and namespaces named tswlab-h*.
lab_hosts() {
  {
    if [ -d "$LAB_DIR" ]; then
      for d in "$LAB_DIR"/h*; do [ -d "$d" ] && basename "$d"; done
    fi
    lab_netns_names | sed -n 's/^tswlab-\(h[0-9]*\)$/\1/p'
  } | sort -u -V
}

# argv of a process, NUL-separated, or nothing.
lab_cmdline() { { tr '\0' '\n' <"/proc/$1/cmdline"; } 2>/dev/null || true; }

# The live daemon's PID for host $1 (from its pid file, checked against its command line).
lab_daemon_pid() {
  local f pid
  f=$(lab_pidfile "$1")
  [ -f "$f" ] || return 0
  pid=$(tr -dc 0-9 <"$f")
  [ -n "$pid" ] || return 0
  if lab_cmdline "$pid" | grep -qxF -- "$(lab_hdir "$1")"; then echo "$pid"; fi
}

# PIDs whose argv contains every one of the given arguments as whole arguments.
lab_pids_with_args() {
  local files a
  files=$(grep -lzxF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null || true)
  shift
  for a in "$@"; do
    [ -n "$files" ] || break
    # shellcheck disable=SC2086
    files=$(grep -lzxF -- "$a" $files 2>/dev/null || true)
  done
  for a in $files; do
    a=${a#/proc/}
    a=${a%/cmdline}
    [ "$a" != "$$" ] && [ "$a" != "$BASHPID" ] && echo "$a"
  done
  return 0
}

# The host's containerd (started by its daemon, possibly orphaned by a kill -9 of the daemon).
lab_containerd_pids() { lab_pids_with_args --config "$(lab_hdir "$1")/containerd/config.toml"; }
# The shims of the host's containerd.
lab_shim_pids() { lab_pids_with_args -address "$(lab_ctd_state "$1")/containerd.sock"; }

lab_alive() { kill -0 "$1" 2>/dev/null; }

# SIGTERM the PIDs, wait up to $LAB_STOP_GRACE s, then SIGKILL those left and wait for them.
lab_stop_pids() {
  local pids=("$@") p i left
  [ ${#pids[@]} -gt 0 ] || return 0
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < LAB_STOP_GRACE * 10; i++)); do
    left=0
    for p in "${pids[@]}"; do lab_alive "$p" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    left=0
    for p in "${pids[@]}"; do lab_alive "$p" && left=1; done
    [ $left = 0 ] && return 0
    sleep 0.1
  done
}

lab_ping() { # host -> 0 when GET /_ping answers OK
  [ -S "$(lab_sock "$1")" ] || return 1
  [ "$(curl -s -m 2 --unix-socket "$(lab_sock "$1")" http://lab/_ping 2>/dev/null)" = OK ]
}

# The lab's underlay bridge and the FORWARD rules that keep its range off every other link.
lab_fw_rules() {
  echo "-i $LAB_BRIDGE -o $LAB_BRIDGE -m comment --comment $LAB_FW_COMMENT -j ACCEPT"
  echo "-i $LAB_BRIDGE ! -o $LAB_BRIDGE -m comment --comment $LAB_FW_COMMENT -j DROP"
  echo "-o $LAB_BRIDGE ! -i $LAB_BRIDGE -m comment --comment $LAB_FW_COMMENT -j DROP"
}

lab_ensure_bridge() {
  if ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
    ip route show | grep -qE "^(10\.99\.0\.|10\.98\.)" &&
      die "routes to 10.99.0.0/24 or 10.98.0.0/16 exist already: $(ip route show | grep -E '^(10\.99\.0\.|10\.98\.)' | tr '\n' ';')"
    ip link add "$LAB_BRIDGE" type bridge
    LAB_MADE_BRIDGE=1
    ip addr add "$LAB_GW/$LAB_PREFIX" dev "$LAB_BRIDGE"
    ip link set "$LAB_BRIDGE" up
  fi
  local r
  while read -r r; do
    # shellcheck disable=SC2086
    iptables -w -C FORWARD $r 2>/dev/null || iptables -w -I FORWARD $r
  done < <(lab_fw_rules)
}

lab_remove_bridge() {
  local r
  while read -r r; do
    # shellcheck disable=SC2086
    while iptables -w -C FORWARD $r 2>/dev/null; do iptables -w -D FORWARD $r; done
  done < <(lab_fw_rules)
  if ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then ip link delete "$LAB_BRIDGE" type bridge; fi
}

# The host's namespace and veth; a no-op when they are there.
lab_make_netns() {
  local h=$1 ns addr
  ns=$(lab_ns "$h")
  addr=$(lab_addr "$h")
  if ! lab_netns_names | grep -qxF "$ns"; then ip netns add "$ns"; fi
  if ! ip link show "$ns" >/dev/null 2>&1; then
    ip -n "$ns" link delete eth0 2>/dev/null || true
    ip link add "$ns" type veth peer name eth0 netns "$ns"
  fi
  ip link set "$ns" master "$LAB_BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr replace "$addr/$LAB_PREFIX" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route replace default via "$LAB_GW" dev eth0
}

# Kills a containerd of the host's left behind by a kill -9 of its daemon; the daemon starts its
# own, and containers (their shims) survive a containerd restart.
lab_stop_stale_containerd() {
  local pids
  mapfile -t pids < <(lab_containerd_pids "$1")
  [ ${#pids[@]} -gt 0 ] || return 0
  say "$1: stopping its containerd left from an earlier daemon (pid ${pids[*]})"
  lab_stop_pids "${pids[@]}"
}

# Starts the host's daemon in its namespace and waits for /_ping; fails with the log's tail.
lab_start_daemon() {
  local h=$1 hdir ns pid i extra=()
  hdir=$(lab_hdir "$h")
  ns=$(lab_ns "$h")
  [ -f "$TSSWARMD" ] || die "daemon entry $TSSWARMD not found: build first (npm run build) or set TSSWARMD"
  pid=$(lab_daemon_pid "$h")
  if [ -z "$pid" ]; then
    lab_stop_stale_containerd "$h"
    mkdir -p "$hdir"
    if [ -f "$LAB_DIR/daemon-args" ]; then mapfile -t extra <"$LAB_DIR/daemon-args"; fi
    rm -f "$hdir/tsswarm.sock"
    echo "--- $(date -Is) lab start" >>"$hdir/tsswarmd.log"
    # Without job control a background child leads no process group, so setsid does not fork:
    # $! is the process that nsenter, unshare and sh exec into node.
    # TMPDIR under the data root: the daemon's scratch mounts (rootfs peeks, loads) stay under DIR.
    mkdir -p "$hdir/tmp"
    TMPDIR=$hdir/tmp setsid nsenter "--net=/run/netns/$ns" -- unshare --uts -- \
      sh -c 'hostname "$1" && shift && exec "$@"' sh "$h" \
      "$NODE" "$TSSWARMD" \
      --data-root "$hdir" \
      --host "unix://$hdir/tsswarm.sock" \
      --pidfile "$hdir/tsswarmd.pid" \
      --bridge-name "$(lab_dbridge "$h")" \
      --bip "$(lab_bip "$h")" \
      --cgroup-parent "$(lab_cgroup "$h")" \
      --containerd-namespace "$(lab_ctd_ns "$h")" \
      --metrics-addr "$(lab_addr "$h"):9323" \
      "${extra[@]}" \
      </dev/null >>"$hdir/tsswarmd.log" 2>&1 9<&- &
    pid=$!
  fi
  # A daemon already running (or one just started) is waited for until it answers.
  for ((i = 0; i < LAB_START_TIMEOUT * 10; i++)); do
    if lab_ping "$h" && [ "$(lab_daemon_pid "$h")" = "$pid" ]; then return 0; fi
    if ! lab_alive "$pid"; then
      echo "lab: $h: tsswarmd exited during start-up; the end of $hdir/tsswarmd.log:" >&2
      tail -n 15 "$hdir/tsswarmd.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "lab: $h: tsswarmd did not answer /_ping on $(lab_sock "$h") within ${LAB_START_TIMEOUT}s; the end of $hdir/tsswarmd.log:" >&2
  tail -n 15 "$hdir/tsswarmd.log" >&2
  return 1
}

lab_kill_daemon() { # SIGKILL, for failover tests; containerd and containers stay
  local pid
  pid=$(lab_daemon_pid "$1")
  [ -n "$pid" ] || return 0
  kill -KILL "$pid"
  while lab_alive "$pid"; do sleep 0.05; done
}

# Everything in the host's cgroups, every hierarchy (v1) or the unified one (v2).
lab_cgroup_dirs() {
  local cg
  cg=$(lab_cgroup "$1")
  for d in /sys/fs/cgroup/"$cg" /sys/fs/cgroup/*/"$cg"; do [ -d "$d" ] && echo "$d"; done
  return 0
}

lab_unmount_under() { # unmounts every mount point under $1, deepest first
  local prefix=$1 m
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v p="$prefix/" 'index($2, p) == 1 || $2 == substr(p, 1, length(p) - 1) {print $2}' /proc/mounts |
    sed 's/\\040/ /g' | sort -r)
}

# Removes one host: its containers (through its daemon when it answers), the daemon, its
# containerd, shims and anything left in its cgroups, mounts, container namespaces, state under
# /run, its namespace and veth, and its data root.
lab_remove_host() {
  local h=$1 hdir ns pid ids id pids d cg state cgdirs p i left=
  hdir=$(lab_hdir "$h")
  ns=$(lab_ns "$h")
  cg=$(lab_cgroup "$h")
  state=$(lab_ctd_state "$h")
  pid=$(lab_daemon_pid "$h")
  if [ -n "$pid" ] && lab_ping "$h"; then
    ids=$(curl -s -m 10 --unix-socket "$(lab_sock "$h")" 'http://lab/containers/json?all=1' | jq -r '.[].Id' 2>/dev/null || true)
    for id in $ids; do
      curl -s -m 30 -X DELETE --unix-socket "$(lab_sock "$h")" "http://lab/containers/$id?force=1&v=1" >/dev/null || true
    done
  fi
  [ -n "$pid" ] && lab_stop_pids "$pid"
  mapfile -t pids < <(lab_containerd_pids "$h")
  lab_stop_pids "${pids[@]}"
  mapfile -t pids < <(lab_shim_pids "$h")
  lab_stop_pids "${pids[@]}"
  # Container processes whose shim is gone, then the cgroups (a few forks: many hierarchies on v1).
  mapfile -t cgdirs < <(lab_cgroup_dirs "$h")
  if [ ${#cgdirs[@]} -gt 0 ]; then
    for p in $(find "${cgdirs[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u); do
      kill -KILL "$p" 2>/dev/null || true
    done
    for ((i = 0; i < 50; i++)); do
      find "${cgdirs[@]}" -depth -type d -exec rmdir {} + 2>/dev/null || true
      left=$(ls -d "${cgdirs[@]}" 2>/dev/null || true)
      [ -z "$left" ] && break
      sleep 0.1
    done
    [ -z "$left" ] || say "$h: could not remove cgroups $(echo $left)"
  fi
  # runc's state of the host's containers, left when their shims were killed.
  rm -rf "/run/containerd/runc/$(lab_ctd_ns "$h")"
  # The containers' network namespaces (named <daemon bridge>-<id>).
  for d in $(lab_netns_names | grep "^$(lab_dbridge "$h")-" || true); do
    ip netns delete "$d" 2>/dev/null || true
    rm -f "/run/netns/$d"
  done
  lab_unmount_under "$state"
  lab_unmount_under "$hdir"
  rm -rf "$state"
  rm -f "/run/tsswarm/bridges/$(lab_dbridge "$h").json"
  if lab_netns_names | grep -qxF "$ns"; then ip netns delete "$ns" || true; fi
  rm -f "/run/netns/$ns"
  # The veth goes with the namespace, a moment later.
  for ((i = 0; i < 50; i++)); do
    ip link show "$ns" >/dev/null 2>&1 || break
    [ $i = 20 ] && { ip link delete "$ns" 2>/dev/null || true; }
    sleep 0.1
  done
  rm -rf "$hdir"
  if lab_netns_names | grep -qxF "$ns" || ip link show "$ns" >/dev/null 2>&1; then
    say "$h: namespace or veth $ns is still there"
    return 1
  fi
}

# DIR/hosts (name address socket pid) and DIR/env, for people and tests.
lab_write_files() {
  local h pid tmp
  tmp=$(mktemp "$LAB_DIR/.hosts.XXXXXX")
  for h in $(lab_hosts); do
    pid=$(lab_daemon_pid "$h")
    echo "$h $(lab_addr "$h") $(lab_sock "$h") ${pid:--}" >>"$tmp"
  done
  mv "$tmp" "$LAB_DIR/hosts"
  {
    echo "# source $LAB_DIR/env: hK runs the tsswarm CLI against host hK, hK_sh a command in its network namespace, hK_ctr ctr against its containerd."
    echo "export TSSWARM_LAB_DIR=$LAB_DIR"
    for h in $(lab_hosts); do
      local u
      u=$(echo "$h" | tr a-z A-Z)
      echo "export TSSWARM_HOST_$u=unix://$(lab_sock "$h")"
      echo "$h() { $NODE $TSSWARM_CLI -H unix://$(lab_sock "$h") \"\$@\"; }"
      echo "${h}_sh() { ip netns exec $(lab_ns "$h") \"\$@\"; }"
      echo "${h}_ctr() { ctr -a $(lab_ctd_state "$h")/containerd.sock -n $(lab_ctd_ns "$h") \"\$@\"; }"
    done
  } >"$LAB_DIR/env"
}
