#include "init/sync.h"

#include "common/fd_passing.h"

#include <sys/socket.h>
#include <cerrno>
#include <cstring>

namespace sync_channel {

bool receive(int fd, std::vector<wire::Record> &out) {
  ssize_t n;
  do n = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  std::string buf(static_cast<size_t>(n), '\0');
  do n = recv(fd, buf.data(), buf.size(), 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  return wire::decode(buf.data(), static_cast<size_t>(n), out);
}

bool send(int fd, uint32_t op, const std::vector<std::string> &args) {
  wire::Record r;
  r.op = op;
  r.args = args;
  std::string buf;
  wire::encode(r, buf);
  ssize_t n;
  do n = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(buf.size());
}

}  // namespace sync_channel

namespace sync_channel {

bool send_fd(int fd, uint32_t op, int passed) {
  wire::Record r;
  r.op = op;
  std::string buf;
  wire::encode(r, buf);
  return send_with_fd(fd, buf.data(), buf.size(), passed) == static_cast<ssize_t>(buf.size());
}

}  // namespace sync_channel
