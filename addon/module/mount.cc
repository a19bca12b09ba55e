// umount2 for a container that shares the host's mount namespace: its mounts live on the host
// and go when it is deleted.
#include <sys/mount.h>

#include <cerrno>

#include "module/errors.h"
#include "module/exports.h"

// unmount(path): detach the mount at path (MNT_DETACH: busy mounts go once unused).
Napi::Value Unmount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0) return throw_errno(env, "umount", errno);
  return env.Undefined();
}
