#include "init_spawn/spawn.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>

#include "common/spawn_attr.h"

int spawn_runts_init(const std::string &executable, const std::vector<int> &fds, pid_t *pid) {
  const int n = static_cast<int>(fds.size());
  // Park every source above n first so no dup2 target clobbers a later source (and a dup2 onto
  // itself, which would keep close-on-exec, never happens).
  std::vector<int> parked;
  int err = 0;
  for (int fd : fds) {
    int p = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, n);
    if (fd >= 0 && p < 0) {
      err = errno;
      break;
    }
    parked.push_back(p);
  }
  if (err == 0) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int i = 0; i < n; i++) {
      if (parked[i] >= 0) posix_spawn_file_actions_adddup2(&actions, parked[i], i);
      else posix_spawn_file_actions_addclose(&actions, i);
    }
    CleanSignalsAttr attr;
    std::string sync_arg = std::to_string(n - 1);
    char *argv[] = {const_cast<char *>("runts-init"), const_cast<char *>(sync_arg.c_str()), nullptr};
    char *envp[] = {nullptr};
    err = posix_spawn(pid, executable.c_str(), &actions, attr.get(), argv, envp);
    posix_spawn_file_actions_destroy(&actions);
  }
  for (int p : parked) if (p >= 0) close(p);
  return err;
}
