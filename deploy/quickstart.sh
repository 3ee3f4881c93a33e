#!/usr/bin/env bash
# One host, end to end: install, build, start tsswarmd (with its own containerd) and a loopback
# registry, build a busybox image from Debian's busybox-static, push it, and run it with tsswarm.
# Leaves the daemon and the registry running; prints how to use and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${TSSWARM_QUICKSTART_DIR:-/tmp/tsswarm-quickstart}
SOCK=$ROOT/tsswarm.sock
mkdir -p "$ROOT/registry"

bash deploy/install-deps.sh
npm ci --no-audit --no-fund
npm run build

if [ ! -S "$SOCK" ]; then
  node dist/worker/daemon/main.js --data-root "$ROOT/data" -H "unix://$SOCK" >"$ROOT/tsswarmd.log" 2>&1 &
  echo $! >"$ROOT/tsswarmd.pid"
fi
if [ ! -f "$ROOT/registry.pid" ] || ! kill -0 "$(cat "$ROOT/registry.pid")" 2>/dev/null; then
  cat >"$ROOT/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $ROOT/registry
http:
  addr: 127.0.0.1:5000
YML
  docker-registry serve "$ROOT/registry.yml" >"$ROOT/registry.log" 2>&1 &
  echo $! >"$ROOT/registry.pid"
fi
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.2; done

tsswarm() { node dist/cli/main.js -H "unix://$SOCK" "$@"; }
node dist/bench/make-busybox-archive.js "$ROOT/busybox.tar" 127.0.0.1:5000/busybox:latest
tsswarm load -i "$ROOT/busybox.tar"
tsswarm push 127.0.0.1:5000/busybox:latest
tsswarm rmi 127.0.0.1:5000/busybox:latest
tsswarm run --rm 127.0.0.1:5000/busybox echo hello from tsswarm

cat <<MSG

tsswarmd is running (pid $(cat "$ROOT/tsswarmd.pid")), its API on unix://$SOCK:
  node dist/cli/main.js -H unix://$SOCK ps -a
  docker -H unix://$SOCK version
Stop it with: kill \$(cat $ROOT/tsswarmd.pid) \$(cat $ROOT/registry.pid)
MSG
