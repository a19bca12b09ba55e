#!/bin/sh
# Ends the standbys (README "Start-up") of this checkout's runts: each is a Node whose command line
# holds one of this checkout's snapshots (the light commands', or the whole program's for create)
# and `--runts-standby SOCKET`; its socket goes with it. Tests and benches run it before removing cgroups a standby may live in, and
# scripts/test.sh after the suite. Others' standbys (another checkout, another Node) stay.
snapshots=$(cd "$(dirname "$0")/.." && pwd -P)/dist/snapshot
for cmdline in /proc/[0-9]*/cmdline; do
  pid=${cmdline#/proc/}; pid=${pid%/cmdline}
  socket=$( (tr '\0' '\n' < "$cmdline") 2>/dev/null | awk -v light="$snapshots/runts-light.blob" -v whole="$snapshots/runts.blob" '$0 == light || $0 == whole { ours = 1 } prev == "--runts-standby" && ours { print } { prev = $0 }')
  [ -n "$socket" ] || continue
  kill -KILL "$pid" 2>/dev/null && rm -f "$socket"
done
exit 0
