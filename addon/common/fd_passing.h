#pragma once
#include <sys/types.h>

#include <cstddef>
#include <vector>

constexpr size_t kMaxPassedFds = 16;

// One datagram/stream message carrying `count` (at most kMaxPassedFds) fds (SCM_RIGHTS), retried on EINTR, without SIGPIPE.
// Returns what sendmsg returns: the bytes sent, or -1 with errno set.
ssize_t send_with_fds(int sock, const void *data, size_t len, const int *fds, size_t count);

inline ssize_t send_with_fd(int sock, const void *data, size_t len, int fd) { return send_with_fds(sock, data, len, &fd, 1); }

// One recvmsg of at most len bytes (retried on EINTR; `flags` such as MSG_DONTWAIT), the fds it
// carried (up to kMaxPassedFds, close on exec) appended to fds. Returns the bytes read (0 at the
// end) or -1 with errno set; a message with more fds than fit is -1 with EMSGSIZE, and those
// that came are in fds.
ssize_t receive_with_fds(int sock, void *data, size_t len, std::vector<int> &fds, int flags = 0);
