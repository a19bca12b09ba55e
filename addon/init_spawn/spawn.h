// Starting runts-init (addon/init/main.cc): by the N-API module for a runts Node started for its
// call, or by runts-light for a standby that took it (remote.h), since the container's init must
// be a child of the process the engine started (CLONE_PARENT), which its subreaper inherits.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

// posix_spawn (vfork+execve: nothing of the caller's memory is copied) of `executable` with
// fds[i] as its fd i, the last of them its sync socket (named in argv[1]), an empty environment,
// no blocked signal and every disposition at its default. Returns 0 with *pid set, or an errno.
int spawn_runts_init(const std::string &executable, const std::vector<int> &fds, pid_t *pid);
