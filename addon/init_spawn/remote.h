// A standby that took a runts call (README "Start-up": standbys) asks its client, runts-light, to
// start runts-init for it: the container's init is runts-init's child with CLONE_PARENT, so it is
// the client's, the process the engine started, and the engine's subreaper (conmon, a shim)
// inherits it when the client exits, as it would a runts Node's.
// Wire, on the hand-off's connection after the standby's 'A' (standby/handoff.h), standby to
// client, messages of 5 bytes: a kind, then a little-endian i32.
//   'S' n: start runts-init. SCM_RIGHTS carries n fds, its fds 0..n-1 (the last its sync socket),
//          then the executable (a sealed memfd), then a reply socket. The client answers on the
//          reply socket, not on the connection (data there would be the standby's SIGKILL:
//          standbyEndWithCaller), with an i32: the pid, or -errno.
//   'E' s: the call ended with exit status s; the last message.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <vector>

constexpr char kStartInit = 'S';
constexpr char kCallExited = 'E';

// The standby's side: asks the client at conn to start runts-init with `fds`. 0 with *pid set, or an errno.
int request_init_spawn(int conn, const std::vector<int> &fds, int executable, pid_t *pid);

struct StandbyMessage {
  char kind = 0;
  int32_t value = 0;
  std::vector<int> fds;  // ours now, close on exec
};

// The client's side: the next message; false when the connection closed or broke mid-message.
bool read_standby_message(int conn, StandbyMessage *message);

// Starts runts-init as a 'S' message asks, answers the standby and closes the message's fds.
// Returns the pid, or -1 when it did not start (the standby was told why).
pid_t serve_init_spawn(StandbyMessage &message);
