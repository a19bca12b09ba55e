#include "init_spawn/remote.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/fd_passing.h"
#include "common/le32.h"
#include "init_spawn/spawn.h"

namespace {

const size_t kMessageSize = 5;

bool read_exact(int fd, unsigned char *into, size_t len) {
  while (len > 0) {
    ssize_t n = read(fd, into, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    into += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

void close_all(std::vector<int> &fds) {
  for (int fd : fds) close(fd);
  fds.clear();
}

}  // namespace

int request_init_spawn(int conn, const std::vector<int> &fds, int executable, pid_t *pid) {
  if (fds.size() + 2 > kMaxPassedFds) return E2BIG;
  int reply[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, reply) < 0) return errno;
  std::vector<int> passed = fds;
  passed.push_back(executable);
  passed.push_back(reply[1]);
  unsigned char message[kMessageSize];
  message[0] = kStartInit;
  put_le32(static_cast<uint32_t>(fds.size()), message + 1);
  ssize_t sent = send_with_fds(conn, message, sizeof message, passed.data(), passed.size());
  int err = sent == static_cast<ssize_t>(sizeof message) ? 0 : (sent < 0 ? errno : EPIPE);
  close(reply[1]);
  unsigned char answer[4];
  if (err == 0 && !read_exact(reply[0], answer, sizeof answer)) err = EPIPE;
  close(reply[0]);
  if (err != 0) return err;
  int32_t value = static_cast<int32_t>(get_le32(answer));
  if (value <= 0) return value < 0 ? -value : EPROTO;
  *pid = value;
  return 0;
}

bool read_standby_message(int conn, StandbyMessage *message) {
  unsigned char buf[kMessageSize];
  for (size_t got = 0; got < sizeof buf;) {
    ssize_t n = receive_with_fds(conn, buf + got, sizeof buf - got, message->fds);
    if (n <= 0) {
      close_all(message->fds);
      return false;
    }
    got += static_cast<size_t>(n);
  }
  message->kind = static_cast<char>(buf[0]);
  message->value = static_cast<int32_t>(get_le32(buf + 1));
  return true;
}

pid_t serve_init_spawn(StandbyMessage &message) {
  const size_t n = message.value > 0 ? static_cast<size_t>(message.value) : 0;
  if (message.fds.size() != n + 2) {
    close_all(message.fds);  // the reply socket too: the standby reads EOF
    return -1;
  }
  int reply = message.fds[n + 1];
  std::string executable = "/proc/self/fd/" + std::to_string(message.fds[n]);
  std::vector<int> init_fds(message.fds.begin(), message.fds.begin() + static_cast<long>(n));
  pid_t pid = -1;
  int err = spawn_runts_init(executable, init_fds, &pid);
  unsigned char answer[4];
  put_le32(static_cast<uint32_t>(err == 0 ? pid : -err), answer);
  ssize_t w;
  do w = send(reply, answer, sizeof answer, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  close_all(message.fds);
  return err == 0 ? pid : -1;
}
