// Non-blocking message and fd I/O on the sync and console sockets. Waiting happens on the
// libuv loop (watch.cc), so the event loop never blocks on a container.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

// receiveMessage(fd): Buffer, null on EOF, undefined when nothing is waiting.
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
  Napi::Buffer<char> out = Napi::Buffer<char>::New(env, static_cast<size_t>(n));
  do n = recv(fd, out.Data(), out.Length(), MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "receive from runts-init", errno);
  return out;
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
