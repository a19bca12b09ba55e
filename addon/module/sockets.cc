// Small socket and process helpers Node's own APIs do not expose as plain fds.
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "module/errors.h"
#include "module/exports.h"

// connectUnix(path): a connected SOCK_STREAM fd (close-on-exec), for --console-socket.
Napi::Value ConnectUnix(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return throw_errno(env, "connect to " + path, ENAMETOOLONG);
  memcpy(addr.sun_path, path.c_str(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (connect(fd, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "connect to " + path, err);
  }
  return Napi::Number::New(env, fd);
}

// streamSocketPair(): [a, b], both close-on-exec.
Napi::Value StreamSocketPair(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return throw_errno(env, "socketpair", errno);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, sv[0]));
  out.Set(1u, Napi::Number::New(env, sv[1]));
  return out;
}

// setChildSubreaper(): orphaned descendants are reparented to this process (shim, `run`).
Napi::Value SetChildSubreaper(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return throw_errno(env, "set child subreaper", errno);
  return env.Undefined();
}

// lockFile(fd, exclusive, wait = true): flock; Node has no flock. Serialises commands on one id.
// Without wait it returns false at once when another holder has the lock.
Napi::Value LockFile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].As<Napi::Boolean>().Value() ? LOCK_EX : LOCK_SH;
  bool wait = info.Length() < 3 || info[2].As<Napi::Boolean>().Value();
  if (!wait) op |= LOCK_NB;
  int rc;
  do rc = flock(fd, op);
  while (rc < 0 && errno == EINTR);
  if (rc < 0 && !wait && errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
  if (rc < 0) return throw_errno(env, "lock", errno);
  return Napi::Boolean::New(env, true);
}

// mkfifo(path, mode): Node has no mkfifo. The exec fifo of create/start.
Napi::Value MakeFifo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  if (mkfifo(path.c_str(), static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value())) < 0)
    return throw_errno(env, "mkfifo " + path, errno);
  return env.Undefined();
}
