// mount(2) and umount2(2) for the mounts runts makes on the host: a container's rootfs from a
// snapshotter's description (src/mount.ts turns mount(8)-style options into flags and data), and
// the mounts of a container that shares the host's mount namespace (they go when it is deleted).
#include <sys/mount.h>

#include <cerrno>

#include "module/errors.h"
#include "module/exports.h"

namespace {

const char *or_null(const std::string &s) { return s.empty() ? nullptr : s.c_str(); }

}  // namespace

// mount(source, target, fstype, flags, data): one mount(2) call; '' stands for NULL.
Napi::Value Mount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string source = info[0].As<Napi::String>().Utf8Value();
  std::string target = info[1].As<Napi::String>().Utf8Value();
  std::string fstype = info[2].As<Napi::String>().Utf8Value();
  unsigned long flags = info[3].As<Napi::Number>().Uint32Value();
  std::string data = info[4].As<Napi::String>().Utf8Value();
  if (mount(or_null(source), target.c_str(), or_null(fstype), flags, or_null(data)) < 0) return throw_errno(env, "mount", errno);
  return env.Undefined();
}

// unmount(path, detach): umount2 without following a final symlink; detach (MNT_DETACH) lets a
// busy mount go once unused.
Napi::Value Unmount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int flags = UMOUNT_NOFOLLOW | (info[1].ToBoolean() ? MNT_DETACH : 0);
  if (umount2(path.c_str(), flags) < 0) return throw_errno(env, "umount", errno);
  return env.Undefined();
}
