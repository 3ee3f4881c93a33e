#!/usr/bin/env bash
# Installs, from Debian's packages, what tsswarmd and its tests need. Idempotent: a second run
# installs nothing and exits 0. Services are not started here; the daemon and the tests start
# their own containerd, registry and etcd.
set -euo pipefail
PKGS=(
  containerd runc containernetworking-plugins   # the container runtime tsswarmd drives over gRPC
  iptables nftables iproute2 conntrack          # bridge NAT, VIPs and the lab's namespaces
  docker-registry                               # a Registry v2 for the integration tests
  busybox-static                                # the tests build their images from it
  etcd-server etcd-client                       # the raft benchmark's side-by-side anchor
  docker.io                                     # the e2e client and the engine benchmark's anchor
  prometheus                                    # an e2e client: scrapes /metrics, discovers the swarm
  ca-certificates curl procps psmisc jq openssl util-linux   # the lab scripts (jq, nsenter, unshare) and test certificates
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root to install: ${missing[*]}" >&2
  exit 1
fi
# Keep packaged services from starting on install: the tests start their own instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
