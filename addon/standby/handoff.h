// Standbys (README "Start-up"): a Node process of ours started ahead of time in its spawner's
// context, idle on a unix socket named by a digest of that context, takes a call's whole context
// (cwd, args, fds 0-2) from a small C++ client and runs it as if it had been started with it, so
// Node's start-up leaves the call's critical path. Two clients: the shim's launcher (`start`) and
// runts-light (runts' light commands).
// Wire (one message per connection): u32 little-endian byte length, then NUL-terminated strings
// "cwd\0arg1\0arg2\0...", with SCM_RIGHTS carrying the call's fds 0, 1, 2 in that order; the
// standby answers one byte 'A' (taken). What follows depends on the client (runts-light: the exit
// status); a client keeps the connection open while the call is running.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

constexpr char kHandoffTaken = 'A';

// Hands the call to the standby listening at socket_path. Returns the connected socket (close on
// exec) once it answered 'A', or -1 when it was not taken (no socket, refused, closed, short read,
// no answer within timeout_ms): the caller then runs the call itself, with all its fds its own.
int hand_off(const std::string &socket_path, const std::string &cwd, const std::vector<std::string> &args, const int fds[3], int timeout_ms);

// A file a standby runs (the Node runtime, a snapshot): its path, device, inode and mtime, so a
// rebuilt or replaced file names another context; empty when it cannot be read.
std::string file_identity(const std::string &path);

// What a process inherits and a call does not carry: the environment (in order), ids and groups,
// umask, capabilities, no_new_privs, seccomp, blocked and ignored signals, affinity, namespaces,
// cgroups, root dir, rlimits, oom_score_adj, nice. When pwd_of_call is not empty, an entry
// PWD=pwd_of_call counts as the call's (Go's os/exec sets it to the cwd it gives a child).
// process_context but for the environment and the blocked and ignored signals (standby/wish.h).
std::string shared_context();
std::string process_context(const std::string &pwd_of_call, const std::string &shared = shared_context());
// This process's blocked and ignored signals: bit n-1 for signal n (/proc/self/status SigBlk, SigIgn).
struct SignalMasks {
  uint64_t blocked = 0;
  uint64_t ignored = 0;
};
SignalMasks signal_masks();

// RUNTS_STANDBY=0 turns standbys off.
bool standbys_enabled();
// RUNTS_STANDBY_SECONDS (default 60): how long a standby waits for a call, and how recent a
// previous call must be for the next standby to be started.
int standby_seconds();

// The policy: true when a previous call with this marker (a file whose mtime is the last call)
// came within the standby lifetime. Marks this call; `note` is written into a new marker (who
// made it, so tests can find theirs). A context's first call also removes the markers beside it
// (the same suffix) and the wishes (standby/wish.h) that no call touched for longer than a lifetime.
bool standby_due(const std::string &marker, const std::string &note);
// Whether a call touched this marker within the standby lifetime (without marking one).
bool marked_within_lifetime(const std::string &marker);

// Starts a standby in the background, in this process's context (its own session, stdio on
// /dev/null, cwd "/", same environment) and returns at once: a starter child exits at once, so the
// standby is adopted by init or the nearest subreaper (which reaps children it does not know: the
// runc shim, conmon, runts' shim), as it will be when we exit. The standby binds socket_path
// (0600; if a live standby has it, it just exits) and execs program with argv, the listening
// socket as fd 3, so it accepts even while it is still starting. program and argv must not be
// relative: the standby runs in "/".
// With an origin, the standby gets its environment and blocked and ignored signals instead of
// ours: it is started for a context that differs from ours in those alone (standby/wish.h).
struct StandbyOrigin {
  std::vector<std::string> environment;
  SignalMasks signals;
};
void spawn_standby(const std::string &socket_path, const std::string &program, const std::vector<const char *> &argv, const StandbyOrigin *origin = nullptr);
