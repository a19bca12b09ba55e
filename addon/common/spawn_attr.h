// posix_spawn attributes for a child that starts clean: no blocked signals and every disposition
// at its default (Node ignores SIGPIPE; a child must not inherit that).
#pragma once

#include <signal.h>
#include <spawn.h>

class CleanSignalsAttr {
 public:
  CleanSignalsAttr() {
    posix_spawnattr_init(&attr_);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &all);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~CleanSignalsAttr() { posix_spawnattr_destroy(&attr_); }
  CleanSignalsAttr(const CleanSignalsAttr &) = delete;
  CleanSignalsAttr &operator=(const CleanSignalsAttr &) = delete;

  const posix_spawnattr_t *get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};
