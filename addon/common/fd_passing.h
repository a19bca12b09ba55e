#pragma once
#include <sys/types.h>

#include <cstddef>

// One datagram/stream message carrying `fd` (SCM_RIGHTS), retried on EINTR, without SIGPIPE.
// Returns what sendmsg returns: the bytes sent, or -1 with errno set.
ssize_t send_with_fd(int sock, const void *data, size_t len, int fd);
