// Non-blocking message and fd I/O on the sync and console sockets. Waiting happens on the
// libuv loop (watch.cc), so the event loop never blocks on a container.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/fd_passing.h"
#include "module/errors.h"
#include "module/exports.h"

// sendMessage(fd, buffer): one SEQPACKET message.
Napi::Value SendMessage(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> buf = info[1].As<Napi::Buffer<char>>();
  ssize_t n;
  do n = send(fd, buf.Data(), buf.Length(), MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "send to runts-init", errno);
  return env.Undefined();
}

// receiveMessage(fd): {data, fd} (fd -1 unless the message carried one with SCM_RIGHTS),
// null on EOF, undefined when nothing is waiting.
Napi::Value ReceiveMessage(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  ssize_t n;
  do n = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return env.Undefined();
    if (errno == ECONNRESET) return env.Null();
    return throw_errno(env, "receive from runts-init", errno);
  }
  if (n == 0) {
    // A zero-length read is EOF on SEQPACKET once the peer closed; drain it.
    char c;
    ssize_t r = recv(fd, &c, 0, MSG_DONTWAIT);
    (void)r;
    return env.Null();
  }
  Napi::Buffer<char> data = Napi::Buffer<char>::New(env, static_cast<size_t>(n));
  std::vector<int> fds;
  n = receive_with_fds(fd, data.Data(), data.Length(), fds, MSG_DONTWAIT);
  // one fd at most is ever sent: any other is not ours to keep
  for (size_t i = 1; i < fds.size(); i++) close(fds[i]);
  if (n < 0) {
    if (!fds.empty()) close(fds[0]);
    return throw_errno(env, "receive from runts-init", errno);
  }
  int passed = fds.empty() ? -1 : fds[0];
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", data);
  out.Set("fd", Napi::Number::New(env, passed));
  return out;
}

// sendWithFd(sock, data, fd): one message carrying fd (SCM_RIGHTS), on a blocking socket.
Napi::Value SendWithFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> data = info[1].As<Napi::Buffer<char>>();
  int passed = info[2].As<Napi::Number>().Int32Value();
  ssize_t n = send_with_fd(sock, data.Data(), data.Length(), passed);
  if (n < 0) return throw_errno(env, "send", errno);
  if (static_cast<size_t>(n) != data.Length()) return throw_errno(env, "send", EMSGSIZE);
  return env.Undefined();
}

// receiveFd(fd): {fd, data} from one SCM_RIGHTS message, null on EOF, undefined if none yet.
Napi::Value ReceiveFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  char data[4096];
  std::vector<int> fds;
  ssize_t n = receive_with_fds(sock, data, sizeof data, fds, MSG_DONTWAIT);
  if (n < 0 || fds.size() > 1) {
    int err = n < 0 ? errno : EBADMSG;
    for (int passed : fds) close(passed);
    return err == EAGAIN ? env.Undefined() : throw_errno(env, "receive console fd", err);
  }
  if (n == 0 && fds.empty()) return env.Null();
  if (fds.empty()) return throw_errno(env, "receive console fd", EBADMSG);
  int fd = fds[0];
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("data", Napi::String::New(env, data, static_cast<size_t>(n)));
  return out;
}
