// Non-blocking message and fd I/O on the sync and console sockets. Waiting happens on the
// libuv loop (watch.cc), so the event loop never blocks on a container.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {data.Data(), data.Length()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  do n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "receive from runts-init", errno);
  int passed = -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&passed, CMSG_DATA(c), sizeof passed);
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
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {data, sizeof data};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN ? env.Undefined() : throw_errno(env, "receive console fd", errno);
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (n == 0 && !c) return env.Null();
  if (!c || c->cmsg_type != SCM_RIGHTS) return throw_errno(env, "receive console fd", EBADMSG);
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("data", Napi::String::New(env, data, static_cast<size_t>(n)));
  return out;
}
