#pragma once
#include <sys/types.h>

#include <cstddef>

constexpr size_t kMaxPassedFds = 16;

// One datagram/stream message carrying `count` (at most kMaxPassedFds) fds (SCM_RIGHTS), retried on EINTR, without SIGPIPE.
// Returns what sendmsg returns: the bytes sent, or -1 with errno set.
ssize_t send_with_fds(int sock, const void *data, size_t len, const int *fds, size_t count);

inline ssize_t send_with_fd(int sock, const void *data, size_t len, int fd) { return send_with_fds(sock, data, len, &fd, 1); }
