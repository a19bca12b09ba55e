// The init side of the parent<->init socket (SOCK_SEQPACKET: one message per record list).
#pragma once
#include <string>
#include <vector>

#include "common/wire.h"

namespace sync_channel {

// Receives one message (any size) and decodes it; returns false on EOF or error.
bool receive(int fd, std::vector<wire::Record> &out);
// Sends one record as one message. MSG_NOSIGNAL: the parent may be gone (create returned).
bool send(int fd, uint32_t op, const std::vector<std::string> &args = {});
// Sends one argument-less record with `passed` attached (SCM_RIGHTS), with sendmsg.
bool send_fd(int fd, uint32_t op, int passed);

}  // namespace sync_channel
