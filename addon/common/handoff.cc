#include "handoff.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace {

std::string payload_of(const std::string &cwd, const std::vector<std::string> &args) {
  std::string payload = cwd + '\0';
  for (const std::string &a : args) payload += a + '\0';
  return payload;
}

bool send_message(int sock, const std::string &payload, const int stdio[3]) {
  uint32_t len = static_cast<uint32_t>(payload.size());
  unsigned char header[4] = {static_cast<unsigned char>(len), static_cast<unsigned char>(len >> 8),
                             static_cast<unsigned char>(len >> 16), static_cast<unsigned char>(len >> 24)};
  struct iovec iov[2] = {{header, sizeof header}, {const_cast<char *>(payload.data()), payload.size()}};
  char control[CMSG_SPACE(3 * sizeof(int))] = {};
  struct msghdr msg = {};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(3 * sizeof(int));
  memcpy(CMSG_DATA(c), stdio, 3 * sizeof(int));
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  // A unix stream socket takes a small message whole or not at all; the rest, if any, unadorned.
  size_t sent = n < 0 ? 0 : static_cast<size_t>(n);
  if (n < 0) return false;
  std::string all = std::string(reinterpret_cast<char *>(header), sizeof header) + payload;
  while (sent < all.size()) {
    do n = send(sock, all.data() + sent, all.size() - sent, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool answered_taken(int sock, int timeout_ms) {
  struct pollfd p = {sock, POLLIN, 0};
  int r;
  do r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r <= 0) return false;
  char answer = 0;
  ssize_t n;
  do n = recv(sock, &answer, 1, 0);
  while (n < 0 && errno == EINTR);
  return n == 1 && answer == kHandoffTaken;
}

}  // namespace

int handoff_call(const std::string &socket_path, const std::string &cwd, const std::vector<std::string> &args,
                 const int stdio[3], int timeout_ms, bool *refused) {
  *refused = false;
  struct sockaddr_un addr = {};
  if (socket_path.size() >= sizeof addr.sun_path) return -1;
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  int r;
  do r = connect(sock, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    *refused = errno == ECONNREFUSED;
    close(sock);
    return -1;
  }
  if (!send_message(sock, payload_of(cwd, args), stdio) || !answered_taken(sock, timeout_ms)) {
    close(sock);
    return -1;
  }
  return sock;
}
