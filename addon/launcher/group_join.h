// `start` for a container whose group's shim is already listening: containerd only needs that
// shim's address, so the launcher answers it without starting Node. The same derivation as
// src/shim/start.ts and src/shim/address.ts; any case it does not cover (runtime options on
// stdin, flags it does not know, a config.json it cannot read) is left to the TypeScript shim.
#pragma once

// Exits 0 having reported the running shim's address, or returns (with stdin as it was).
void join_running_group(int argc, char **argv);
