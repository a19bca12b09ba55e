#!/usr/bin/env bash
# Builds a minimal busybox rootfs (Debian's busybox-static) at $1: /bin/busybox plus one
# symlink per applet, and the usual empty top-level directories.
set -euo pipefail
dest=${1:?usage: make-rootfs.sh DIR}
busybox=$(command -v busybox-static 2>/dev/null || echo /bin/busybox)
mkdir -p "$dest"/{bin,dev,etc,proc,sys,tmp,root,var,run,usr/bin,usr/sbin,sbin}
cp "$busybox" "$dest/bin/busybox"
for applet in $("$dest/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$dest/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$dest/etc/passwd"
echo 'root:x:0:' > "$dest/etc/group"
chmod 1777 "$dest/tmp"
