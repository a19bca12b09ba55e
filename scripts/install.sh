#!/usr/bin/env bash
# Installs everything runts needs on Debian 12 (as root): system packages, npm dependencies,
# the addon (cmake-js) and the TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
packages=(build-essential cmake libseccomp-dev pkg-config busybox-static runc crun containerd
  golang-github-containerd-containerd-dev iproute2 procps jq hyperfine podman docker.io python3 zstd attr
  btrfs-progs containernetworking-plugins iptables docker-registry skopeo apache2-utils openssl)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
npm install --no-audit --no-fund
# runtsctl's default network ("bridge": runts0, 10.94.0.0/24), like docker0, unless one is there.
[ -e /etc/cni/net.d/90-runts-bridge.conflist ] || install -D -m 0644 examples/cni/90-runts-bridge.conflist /etc/cni/net.d/90-runts-bridge.conflist
# The built-in example bundle's rootfs (config.json is in the repo).
[ -x examples/busybox/rootfs/bin/busybox ] || scripts/make-rootfs.sh examples/busybox/rootfs
