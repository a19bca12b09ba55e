// dup2 for the shim: once `start` has reported the address, the long-lived shim must let go of the
// launcher's pipes on fds 0-2, and Node itself cannot replace an fd in place.
#include <unistd.h>

#include <cerrno>

#include "module/errors.h"
#include "module/exports.h"

// dup2(from, to): `to` now refers to what `from` does.
Napi::Value Dup2(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int from = info[0].As<Napi::Number>().Int32Value();
  int to = info[1].As<Napi::Number>().Int32Value();
  int r;
  do r = dup2(from, to);
  while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, "dup2", errno);
  return env.Undefined();
}
