#!/bin/sh
# Ends the light-command standbys (README "Start-up") of this checkout's runts: each is a Node
# whose command line holds this checkout's light snapshot and `--runts-standby SOCKET`; its socket
# goes with it. Tests and benches run it before removing cgroups a standby may live in, and
# scripts/test.sh after the suite. Others' standbys (another checkout, another Node) stay.
blob=$(cd "$(dirname "$0")/.." && pwd -P)/dist/snapshot/runts-light.blob
for cmdline in /proc/[0-9]*/cmdline; do
  pid=${cmdline#/proc/}; pid=${pid%/cmdline}
  socket=$( (tr '\0' '\n' < "$cmdline") 2>/dev/null | awk -v blob="$blob" '$0 == blob { ours = 1 } prev == "--runts-standby" && ours { print } { prev = $0 }')
  [ -n "$socket" ] || continue
  kill -KILL "$pid" 2>/dev/null && rm -f "$socket"
done
exit 0
