// Network namespaces for CNI, pinned by a bind mount: Node must never fork into one, so a
// short-lived thread unshares CLONE_NEWNET (a per-thread operation, allowed in a multithreaded
// process) and bind-mounts its own /proc/thread-self/ns/net onto the pin file; the namespace
// lives on through the mount after the thread ends.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "module/errors.h"
#include "module/exports.h"

// createNetns(pinPath): creates the pin file (must not exist), then a new netns bound onto it.
Napi::Value CreateNetns(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string pin = info[0].As<Napi::String>().Utf8Value();
  int fd = open(pin.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return throw_errno(env, "create " + pin, errno);
  close(fd);
  int err = 0;
  std::string step;
  std::thread worker([&] {
    if (unshare(CLONE_NEWNET) < 0) {
      err = errno;
      step = "unshare(CLONE_NEWNET)";
      return;
    }
    if (mount("/proc/thread-self/ns/net", pin.c_str(), nullptr, MS_BIND, nullptr) < 0) {
      err = errno;
      step = "bind-mount the new network namespace on " + pin;
    }
  });
  worker.join();
  if (err) {
    unlink(pin.c_str());
    return throw_errno(env, step, err);
  }
  return env.Undefined();
}

// removeNetns(pinPath): unmounts the pin (detached, the namespace ends with its last user) and
// removes the file; a pin that is already gone is not an error.
Napi::Value RemoveNetns(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string pin = info[0].As<Napi::String>().Utf8Value();
  if (umount2(pin.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT) {
    return throw_errno(env, "unmount " + pin, errno);
  }
  if (unlink(pin.c_str()) < 0 && errno != ENOENT) return throw_errno(env, "remove " + pin, errno);
  return env.Undefined();
}
