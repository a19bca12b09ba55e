// The client side of a standby hand-off (README "Start-up"): a standby is a Node process started
// ahead of time in its spawner's context, idle on a unix socket named by that context's digest;
// the caller hands it a call (cwd, args, stdio) instead of starting Node itself.
// Wire: one u32 little-endian byte length, then "cwd\0arg1\0arg2\0...", with SCM_RIGHTS carrying
// the fds the call has as 0, 1, 2 (in that order); the standby answers one byte 'A' (taken).
#pragma once
#include <string>
#include <vector>

// The byte a standby answers when it took the call.
constexpr char kHandoffTaken = 'A';

// Hands the call to the standby listening at socket_path. Returns the connected socket (close on
// exec) once the standby answered 'A', or -1 when it was not taken (no socket, refused, closed,
// short read, timeout, ...): the caller then runs the call itself, with all its fds still its own.
// *refused is set when nothing listens at socket_path (a stale socket file).
int handoff_call(const std::string &socket_path, const std::string &cwd, const std::vector<std::string> &args,
                 const int stdio[3], int timeout_ms, bool *refused);
