// A standby that its context cannot start itself. conmon's create must start none (light/main.cc:
// conmon would wait for it before running podman's cleanup), so it leaves a wish instead: a file
// in the standby directory, named by a digest of shared_context() (all a process inherits but its
// environment and its blocked and ignored signals), holding the standby's socket, the marker of its
// context's calls, its command line, and the wisher's environment and signal masks. A later call
// that shares the rest of the context (podman's cleanup, which conmon runs after that wait, with
// SIGUSR1 blocked and SIGPIPE not ignored) grants it: it starts the standby with the wisher's
// environment and signal masks, so the standby is in the wisher's context exactly, and not a
// child conmon waits for.
#pragma once
#include <string>
#include <vector>

// `shared` is this process's shared_context().
// Writes (replaces) this process's wish for the standby at socket_path, whose context's calls mark
// `marker`, started with `argv` (absolute paths; argv[0] the program).
void leave_wish(const std::string &dir, const std::string &shared, const std::string &socket_path, const std::string &marker, const std::vector<std::string> &argv);

// Starts the standby wished for in this process's shared context, when there is a wish, its
// context called within a standby lifetime and its socket has no standby. A wish whose context
// stopped calling is removed.
void grant_wish(const std::string &dir, const std::string &shared);
