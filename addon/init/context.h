// State the container init carries while it walks the launch plan, and its one failure shape.
#pragma once
#include <string>
#include <vector>

struct Failure {
  std::string step;    // what was being done ("mount", "pivot_root", ...)
  int err = 0;         // errno, 0 when the failure is not a syscall's
  std::string detail;  // the object: a path, a key, a name
};

struct InitContext {
  int sync_fd = -1;
  int root_fd = -1;          // O_PATH fd of the rootfs (valid until pivot_root)
  std::string rootfs;        // host path of the rootfs
  std::string state_json;    // OCI state handed over by the parent with GO, for hooks
  std::string creating_state_json;  // the same while "creating", for createContainer hooks
  std::string exec_path;     // resolved by CHECK_EXEC, used by EXEC
  std::vector<int> idmapped_trees;  // detached id-mapped bind mounts from stage 1, by index
  int devnull_fd = -1;
  bool has_console = false;  // fds 0-2 are the pty CONSOLE set up: USER gives it to the process's uid
  bool cwd_reached = false;  // an early CHDIR (still privileged) got there: a later one is skipped
  bool ready_sent = false;   // past READY nobody reads sync_fd: a failure also goes to stderr       // the container's verified /dev/null (O_PATH), the source of masked files
  Failure failure;

  bool fail(const char *step, int err, const std::string &detail) {
    failure = Failure{step, err, detail};
    return false;
  }
};
