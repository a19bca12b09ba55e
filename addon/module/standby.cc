// A standby's side of the handoff (addon/standby/handoff.h): wait, synchronously (an idle standby has
// nothing else to do), on the listening socket for one call, put its fds on 0-2 and give its cwd
// and args to the program (the shim, runts' light commands); end with the caller; and the command
// line a shim standby that took a call shows from then on, that of a shim started for it (written
// in place: changing where the kernel reads it needs CAP_SYS_RESOURCE, which containers often lack).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/fd_passing.h"
#include "common/le32.h"
#include "standby/handoff.h"
#include "module/errors.h"
#include "module/exports.h"

namespace {

const uint32_t kMaxMessage = 1 << 20;
// a client sends its whole message at once; one that stalls is not waited for longer
const int kReadTimeoutMs = 2000;

struct Call {
  std::vector<int> fds;
  std::string payload;
};

std::string bound_path(int fd) {
  struct sockaddr_un addr = {};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<struct sockaddr *>(&addr), &len) != 0 || addr.sun_family != AF_UNIX) return "";
  return std::string(addr.sun_path, strnlen(addr.sun_path, sizeof addr.sun_path));
}

ino_t inode_of(const std::string &path) {
  struct stat st;
  return !path.empty() && stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Removes our socket's name, unless another standby's socket has it now.
void unlink_if_ours(const std::string &path, ino_t ours) {
  if (ours && inode_of(path) == ours) unlink(path.c_str());
}

long long now_ms() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

// Reads exactly len bytes, collecting the fds that come with them.
bool receive_exact(int sock, char *into, size_t len, Call &call) {
  while (len > 0) {
    ssize_t n = receive_with_fds(sock, into, len, call.fds);
    if (n <= 0) return false;
    into += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

// One well-formed message: its length, its strings (cwd first, NUL-terminated), exactly 3 fds.
bool receive_call(int sock, Call &call) {
  unsigned char prefix[4];
  if (!receive_exact(sock, reinterpret_cast<char *>(prefix), 4, call)) return false;
  uint32_t len = get_le32(prefix);
  if (len == 0 || len > kMaxMessage) return false;
  call.payload.resize(len);
  if (!receive_exact(sock, call.payload.data(), len, call)) return false;
  return call.fds.size() == 3 && call.payload.back() == '\0';
}

// Where this process's command line lives (/proc/self/stat's arg_start and arg_end).
bool argument_area(unsigned long &start, unsigned long &end) {
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char *at = strrchr(buf, ')');  // after the command name, which may hold spaces
  if (!at) return false;
  // fields from 3 on follow; arg_start and arg_end are fields 48 and 49
  int field = 2;
  for (; *at && field < 48; at++) {
    if (*at == ' ') field++;
  }
  return sscanf(at, "%lu %lu", &start, &end) == 2 && start < end;
}

// Bytes the call's args take on a command line.
size_t command_line_size(const std::string &payload) {
  return payload.size() - (payload.find('\0') + 1);
}

void close_all(const std::vector<int> &fds) {
  for (int fd : fds) close(fd);
}

// False when the client closed its end already: it gave up waiting for our answer.
bool client_still_there(int conn) {
  struct pollfd gone = {conn, POLLRDHUP, 0};
  return poll(&gone, 1, 0) == 0;
}

}  // namespace

// standbyTakeCall(listenFd, lifetimeMs, room?): {conn, cwd, args} of the call taken (its fds are
// 0-2 now, conn the connection to its client), or undefined when none came within lifetimeMs, or
// one was malformed, or its args need more than `room` bytes of command line, or its client gave up
// waiting before our answer (it runs the call itself). Either way the listening socket is closed
// and its name removed (if still ours): a standby takes one call at most.
Napi::Value StandbyTakeCall(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int listen_fd = info[0].As<Napi::Number>().Int32Value();
  long long deadline = now_ms() + info[1].As<Napi::Number>().Int64Value();
  size_t room = info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : SIZE_MAX;
  std::string path = bound_path(listen_fd);
  if (path.empty()) return throw_errno(env, "standby: no listening unix socket on fd " + std::to_string(listen_fd), ENOTSOCK);
  ino_t ours = inode_of(path);
  Call call;
  int conn = -1;
  bool taken = false;
  for (;;) {
    long long remaining = deadline - now_ms();
    if (remaining <= 0) break;
    struct pollfd p = {listen_fd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(remaining > 60000 ? 60000 : remaining));
    if (ready <= 0) continue;
    if (p.revents & (POLLERR | POLLNVAL)) break;
    conn = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    struct ucred peer;
    socklen_t peer_len = sizeof peer;
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) != 0 || peer.uid != geteuid()) {
      close(conn);  // not ours to serve
      conn = -1;
      continue;
    }
    struct timeval limit = {kReadTimeoutMs / 1000, (kReadTimeoutMs % 1000) * 1000};
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    taken = receive_call(conn, call) && command_line_size(call.payload) <= room;
    // gone before answering, so no later client waits on a standby that will not take it
    unlink_if_ours(path, ours);
    close(listen_fd);
    listen_fd = -1;
    taken = taken && send(conn, &kHandoffTaken, 1, MSG_NOSIGNAL) == 1 && client_still_there(conn);
    break;
  }
  if (listen_fd >= 0) {
    unlink_if_ours(path, ours);
    close(listen_fd);
  }
  if (!taken) {
    close_all(call.fds);
    if (conn >= 0) close(conn);
    return env.Undefined();
  }
  for (int i = 0; i < 3; i++) {
    if (dup2(call.fds[i], i) < 0) return throw_errno(env, "dup2", errno);
  }
  close_all(call.fds);
  Napi::Array args = Napi::Array::New(env);
  std::string cwd;
  size_t at = 0;
  for (size_t end; (end = call.payload.find('\0', at)) != std::string::npos; at = end + 1) {
    std::string arg = call.payload.substr(at, end - at);
    if (at == 0) {
      cwd = arg;
    } else {
      args.Set(args.Length(), Napi::String::New(env, arg));
    }
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("conn", Napi::Number::New(env, conn));
  result.Set("cwd", Napi::String::New(env, cwd));
  result.Set("args", args);
  return result;
}

// standbyEndWithCaller(conn): from now on this process is killed when the client's end of conn
// closes (the client died: it never closes while the call runs), as the process we stand in for
// would have been with it.
Napi::Value StandbyEndWithCaller(const Napi::CallbackInfo &info) {
  int conn = info[0].As<Napi::Number>().Int32Value();
  if (fcntl(conn, F_SETOWN, getpid()) != 0 || fcntl(conn, F_SETSIG, SIGKILL) != 0 || fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) | O_ASYNC) != 0)
    return throw_errno(info.Env(), "standby: watch the caller's connection", errno);
  return info.Env().Undefined();
}

// showCommandLine(argv): /proc/self/cmdline (ps, pgrep) shows argv from now on, written over the
// command line this process started with (it must fit: standbyTakeCall's room), the rest zeroed.
Napi::Value ShowCommandLine(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array argv = info[0].As<Napi::Array>();
  std::string text;
  for (uint32_t i = 0; i < argv.Length(); i++) text += argv.Get(i).As<Napi::String>().Utf8Value() + '\0';
  unsigned long start, end;
  if (!argument_area(start, end)) return throw_errno(env, "read /proc/self/stat", EINVAL);
  if (text.size() > end - start) return throw_errno(env, "show command line", E2BIG);
  char *area = reinterpret_cast<char *>(start);
  memcpy(area, text.data(), text.size());
  memset(area + text.size(), 0, end - start - text.size());
  return env.Undefined();
}
