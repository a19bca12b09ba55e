// What a process inherits that a standby hand-off does not carry: a standby serves only calls whose
// context is the one it was started in, so the socket's name is a digest of this.
#pragma once
#include <string>
#include <vector>

// The environment entry a call's cwd stands for: callers that set a child's cwd also set PWD to it
// (Go's os/exec, so containerd's runc shim: each container's bundle), and it comes with the call.
extern const char kPwdOfCall[];

// node_command: Node's command line up to the program's own arguments (runtime, flags, blob).
// An environment entry PWD=cwd counts as kPwdOfCall.
std::string caller_context(const std::vector<std::string> &node_command, const std::string &cwd);
