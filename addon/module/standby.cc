// The standby side of a hand-off (common/handoff.h has the client and the wire): wait at a socket
// for one call, synchronously (an idle standby has nothing else to do, and no event loop to keep).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/handoff.h"
#include "module/errors.h"
#include "module/exports.h"

namespace {

// A call's cwd and arguments stay far below this; anything longer is not a client of ours.
const size_t kMaxPayload = 1 << 20;
const int kReadTimeoutMs = 1000;

// Listening at path, which only this standby may hold: bound under a name of its own and linked
// into place, so a second standby for the same context finds it taken and gives up.
int listen_at(const std::string &path, ino_t *ino) {
  struct sockaddr_un addr = {};
  std::string own = path + '.' + std::to_string(getpid());
  if (own.size() >= sizeof addr.sun_path) return -1;
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, own.c_str(), own.size() + 1);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  unlink(own.c_str());
  bool linked = bind(sock, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) == 0 && chmod(own.c_str(), 0600) == 0 &&
                listen(sock, 1) == 0 && link(own.c_str(), path.c_str()) == 0;
  unlink(own.c_str());
  struct stat st;
  if (!linked || lstat(path.c_str(), &st) != 0) {
    close(sock);
    return -1;
  }
  *ino = st.st_ino;
  return sock;
}

// Removes path if it is still this standby's socket (a stale one may have been replaced).
void unlink_own(const std::string &path, ino_t ino) {
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && st.st_ino == ino) unlink(path.c_str());
}

bool wait_readable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  int r;
  do r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0;
}

void close_all(const std::vector<int> &fds) {
  for (int fd : fds) close(fd);
}

// The message: its length, then the strings, with the three stdio fds on the first bytes.
bool receive_call(int conn, std::string *payload, std::vector<int> *fds) {
  std::string data;
  size_t want = 4;
  while (data.size() < want) {
    if (!wait_readable(conn, kReadTimeoutMs)) return false;
    char buf[16384];
    char control[CMSG_SPACE(3 * sizeof(int))] = {};
    struct iovec iov = {buf, std::min(sizeof buf, want - data.size())};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; i++) {
        int fd;
        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        fds->push_back(fd);
      }
    }
    if (msg.msg_flags & MSG_CTRUNC) return false;
    data.append(buf, static_cast<size_t>(n));
    if (want == 4 && data.size() >= 4) {
      const unsigned char *h = reinterpret_cast<const unsigned char *>(data.data());
      uint32_t len = h[0] | h[1] << 8 | h[2] << 16 | static_cast<uint32_t>(h[3]) << 24;
      if (len == 0 || len > kMaxPayload) return false;
      want = 4 + len;
    }
  }
  *payload = data.substr(4);
  return fds->size() == 3 && payload->back() == '\0';
}

}  // namespace

// standbyWait(path, starting, timeoutMs): listens at path (and removes the marker `starting`, which
// said a standby was on its way) until one call comes from our own uid, or none came within
// timeoutMs (null). A call is { conn, stdio: [fd0, fd1, fd2], cwd, args }; the caller
// has had its answer, and we are already in its cwd. From then on the client's end closing (it
// died: it never writes after its call) kills us, as it would have killed the process we stand
// in for. Null too for a malformed call, an address taken by another standby, ...
Napi::Value StandbyWait(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string starting = info[1].As<Napi::String>().Utf8Value();
  int timeout_ms = info[2].As<Napi::Number>().Int32Value();
  ino_t ino;
  int sock = listen_at(path, &ino);
  unlink(starting.c_str());
  if (sock < 0) return env.Null();
  bool called = wait_readable(sock, timeout_ms);
  int conn = called ? accept4(sock, nullptr, nullptr, SOCK_CLOEXEC) : -1;
  unlink_own(path, ino);
  close(sock);
  if (conn < 0) return env.Null();
  struct ucred cred = {};
  socklen_t len = sizeof cred;
  std::string payload;
  std::vector<int> fds;
  bool ours = getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid();
  if (!ours || !receive_call(conn, &payload, &fds) || chdir(payload.c_str()) != 0 ||
      send(conn, &kHandoffTaken, 1, MSG_NOSIGNAL) != 1) {
    close_all(fds);
    close(conn);
    return env.Null();
  }
  fcntl(conn, F_SETOWN, getpid());
  fcntl(conn, F_SETSIG, SIGKILL);
  fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) | O_ASYNC);
  // a client that gave up waiting for the answer (it runs the call itself) closed before that
  struct pollfd gone = {conn, POLLRDHUP, 0};
  if (poll(&gone, 1, 0) != 0) {
    close_all(fds);
    close(conn);
    return env.Null();
  }

  Napi::Object call = Napi::Object::New(env);
  call.Set("conn", Napi::Number::New(env, conn));
  Napi::Array stdio = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; i++) stdio.Set(i, Napi::Number::New(env, fds[i]));
  call.Set("stdio", stdio);
  Napi::Array args = Napi::Array::New(env);
  size_t at = payload.find('\0') + 1;
  call.Set("cwd", Napi::String::New(env, payload.substr(0, at - 1)));
  for (uint32_t i = 0; at < payload.size(); i++) {
    size_t end = payload.find('\0', at);
    args.Set(i, Napi::String::New(env, payload.substr(at, end - at)));
    at = end + 1;
  }
  call.Set("args", args);
  return call;
}
