// A TCP connection to localhost:port inside a network namespace, for CRI PortForward. Node never
// enters the namespace: a short-lived thread setns()es (per-thread for CLONE_NEWNET, allowed in
// a multithreaded process) and creates the sockets there (a socket keeps its namespace for
// life), and the thread ends. The connect itself is non-blocking from the calling thread; to
// loopback it is decided before connect() returns, so refusal is reported here, and a connect
// still pending (a full backlog) is left to the caller's event loop.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "module/errors.h"
#include "module/exports.h"

namespace {

// 0 when connected or still connecting, else the errno.
int connect_loopback(int fd, int family, int port) {
  int rc;
  if (family == AF_INET) {
    struct sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = connect(fd, reinterpret_cast<struct sockaddr *>(&a), sizeof a);
  } else {
    struct sockaddr_in6 a = {};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    a.sin6_addr = in6addr_loopback;
    rc = connect(fd, reinterpret_cast<struct sockaddr *>(&a), sizeof a);
  }
  if (rc == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  struct pollfd p = {fd, POLLOUT, 0};
  if (poll(&p, 1, 0) <= 0) return 0;  // pending: the caller's loop sees how it ends
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

}  // namespace

// connectInNetns(nsPath, port): a non-blocking, close-on-exec TCP fd connected (or connecting)
// to 127.0.0.1:port in that namespace, else to [::1]:port.
Napi::Value ConnectInNetns(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string ns = info[0].As<Napi::String>().Utf8Value();
  int port = info[1].As<Napi::Number>().Int32Value();
  std::string target = "localhost:" + std::to_string(port) + " in network namespace " + ns;
  int nsfd = open(ns.c_str(), O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return throw_errno(env, "open network namespace " + ns, errno);
  int fds[2] = {-1, -1};
  int err = 0;
  std::thread worker([&] {
    if (setns(nsfd, CLONE_NEWNET) < 0) {
      err = errno;
      return;
    }
    fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fds[0] < 0) err = errno;
    fds[1] = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);  // may be off: -1
  });
  worker.join();
  close(nsfd);
  if (fds[0] < 0) {
    if (fds[1] >= 0) close(fds[1]);
    return throw_errno(env, "enter network namespace " + ns, err);
  }
  err = connect_loopback(fds[0], AF_INET, port);
  if (err == 0) {
    if (fds[1] >= 0) close(fds[1]);
    return Napi::Number::New(env, fds[0]);
  }
  close(fds[0]);
  if (fds[1] >= 0 && connect_loopback(fds[1], AF_INET6, port) == 0) return Napi::Number::New(env, fds[1]);
  if (fds[1] >= 0) close(fds[1]);
  return throw_errno(env, "connect to " + target, err);
}
