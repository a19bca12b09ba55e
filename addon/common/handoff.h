// Standbys (README "Performance"): a Node process of ours started ahead of time, idle on a unix
// socket, takes a call's whole context (cwd, args, fds 0-2) from a small C++ client and runs it as
// if it had been started with it, so Node's start-up leaves the call's critical path.
// Wire format (one message per connection): u32 little-endian byte length, then NUL-terminated
// strings "cwd\0arg1\0arg2\0...", with SCM_RIGHTS carrying the call's fds 0, 1, 2 in that order;
// the standby answers one byte 'A' (taken).
#pragma once
#include <string>
#include <vector>

// Hands the call to the standby listening on socket_path; false (not taken: nothing of ours was
// kept, the caller goes on alone) on any failure before 'A', or when no 'A' came in timeout_ms.
bool hand_off(const std::string &socket_path, const std::string &cwd, const std::vector<std::string> &args, const int fds[3], int timeout_ms);

// Appends what a process inherits and a call does not carry: the environment (in order), uid,
// gids and groups, namespaces, cgroup, root dir, umask, capabilities, rlimits, oom_score_adj.
void append_process_context(std::string &context);

// RUNTS_STANDBY=0 turns standbys off.
bool standbys_enabled();
// RUNTS_STANDBY_SECONDS (default 60): how long a standby waits for a call, and how recent a
// previous call must be for the next standby to be started.
int standby_seconds();

// The policy: true when a previous call with this marker (a file whose mtime is the last call)
// came within the standby lifetime. Marks this call; `note` is written into a new marker (who
// made it, so tests can find and remove theirs).
bool standby_due(const std::string &marker, const std::string &note);

// Starts a standby in the background, in this process's context (its own session, stdio on
// /dev/null, cwd "/", same environment): a child binds socket_path (0600; if a live standby has
// it, the child just exits) and execs program with argv, the listening socket as fd 3.
// Returns at once; the child is never waited for.
void spawn_standby(const std::string &socket_path, const std::string &program, const std::vector<const char *> &argv);
