// Window size of a pty, set on its master: the kernel then sends SIGWINCH to the foreground
// process group of the container's terminal (Node has no ioctl of its own).
#include <sys/ioctl.h>
#include <termios.h>

#include "module/errors.h"
#include "module/exports.h"

Napi::Value SetWindowSize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(info[1].As<Napi::Number>().Uint32Value());
  ws.ws_col = static_cast<unsigned short>(info[2].As<Napi::Number>().Uint32Value());
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) return throw_errno(env, "set terminal window size", errno);
  return env.Undefined();
}
