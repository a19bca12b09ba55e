// Filesystem calls Node's fs lacks, for layer extraction and diffs: device nodes and fifos, and
// extended attributes of a path without following a final symlink.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <vector>

#include "errors.h"
#include "exports.h"

// mknod(path, mode, major, minor): mode holds the file type bits; the permission bits are set
// exactly (not masked by the umask), as tar does.
Napi::Value MakeNode(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
  dev_t dev = makedev(info[2].As<Napi::Number>().Uint32Value(), info[3].As<Napi::Number>().Uint32Value());
  if (mknod(path.c_str(), mode, dev) < 0) return throw_errno(env, "mknod " + path, errno);
  // The node was just made by us and is no symlink, so chmod acts on it.
  if (chmod(path.c_str(), mode & 07777) < 0) return throw_errno(env, "chmod " + path, errno);
  return env.Undefined();
}

Napi::Value SetXattr(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  std::string name = info[1].As<Napi::String>();
  Napi::Buffer<char> value = info[2].As<Napi::Buffer<char>>();
  if (lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length(), 0) < 0)
    return throw_errno(env, "setting xattr " + name + " on " + path, errno);
  return env.Undefined();
}

// [[name, Buffer], ...] for every extended attribute of path (not following a final symlink).
Napi::Value GetXattrs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  std::vector<char> names;
  for (;;) {
    ssize_t size = llistxattr(path.c_str(), nullptr, 0);
    if (size < 0) return throw_errno(env, "listing xattrs of " + path, errno);
    names.resize(static_cast<size_t>(size));
    if (size == 0) break;
    ssize_t got = llistxattr(path.c_str(), names.data(), names.size());
    if (got >= 0) {
      names.resize(static_cast<size_t>(got));
      break;
    }
    if (errno != ERANGE) return throw_errno(env, "listing xattrs of " + path, errno);
  }
  Napi::Array out = Napi::Array::New(env);
  uint32_t count = 0;
  for (size_t at = 0; at < names.size();) {
    std::string name(names.data() + at);
    at += name.size() + 1;
    std::vector<char> value;
    for (;;) {
      ssize_t size = lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
      if (size < 0) {
        if (errno == ENODATA) break;  // removed meanwhile
        return throw_errno(env, "reading xattr " + name + " of " + path, errno);
      }
      value.resize(static_cast<size_t>(size));
      ssize_t got = size == 0 ? 0 : lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
      if (got >= 0) {
        value.resize(static_cast<size_t>(got));
        Napi::Array pair = Napi::Array::New(env, 2);
        pair.Set(0u, Napi::String::New(env, name));
        pair.Set(1u, Napi::Buffer<char>::Copy(env, value.data(), value.size()));
        out.Set(count++, pair);
        break;
      }
      if (errno != ERANGE) return throw_errno(env, "reading xattr " + name + " of " + path, errno);
    }
  }
  return out;
}
