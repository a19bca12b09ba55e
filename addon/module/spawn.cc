// Starts runts-init (init_spawn/spawn.h: posix_spawn, no copy of Node's memory, no JS, no locks in
// the child), or has a standby's client start it. The caller decides which of its fds become the
// child's 0..n-1; the sync socket's init end is appended as fd n and named in argv[1].
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "init_spawn/remote.h"
#include "init_spawn/spawn.h"
#include "module/errors.h"
#include "module/exports.h"

// runts-init runs from a sealed in-memory copy, so a container process that reaches
// /proc/<pid>/exe of it can never write to the runtime's binary on the host (CVE-2019-5736).
// It is ~100 KB: one copy per process, unlike runc's clone of its 10 MB binary per create.
static int sealed_copy(const std::string &path, int &err) {
  static int sealed = -1;
  if (sealed >= 0) return sealed;
  int src = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) { err = errno; return -1; }
  int mem = memfd_create("runts-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  struct stat st;
  bool ok = mem >= 0 && fstat(src, &st) == 0;
  for (off_t done = 0; ok && done < st.st_size;) {
    ssize_t n = sendfile(mem, src, nullptr, static_cast<size_t>(st.st_size - done));
    if (n <= 0) ok = false;
    else done += n;
  }
  ok = ok && fchmod(mem, 0555) == 0 &&
       fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) == 0;
  err = errno;
  close(src);
  if (!ok) {
    if (mem >= 0) close(mem);
    return -1;
  }
  return sealed = mem;
}

namespace {
// The connection of the standby's call (standbyTakeCall), when this process is a standby that took
// one: its client starts runts-init (init_spawn/remote.h).
int init_spawner_conn = -1;
}  // namespace

Napi::Value SpawnInit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string binary = info[0].As<Napi::String>();
  int copy_err = 0;
  int sealed = sealed_copy(binary, copy_err);
  if (sealed < 0) return throw_errno(env, "copy " + binary + " into a sealed memfd", copy_err);
  Napi::Array fd_array = info[1].As<Napi::Array>();
  std::vector<int> fds;
  for (uint32_t i = 0; i < fd_array.Length(); i++) fds.push_back(fd_array.Get(i).As<Napi::Number>().Int32Value());

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return throw_errno(env, "socketpair", errno);
  fds.push_back(sv[1]);
  pid_t pid;
  int rc = init_spawner_conn >= 0 ? request_init_spawn(init_spawner_conn, fds, sealed, &pid)
                                  : spawn_runts_init("/proc/self/fd/" + std::to_string(sealed), fds, &pid);
  close(sv[1]);
  if (rc != 0) {
    close(sv[0]);
    return throw_errno(env, "start " + binary, rc);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("sock", Napi::Number::New(env, sv[0]));
  return out;
}

// spawnInitsThrough(conn): from now on runts-init is started by the client of this standby's call
// (conn, from standbyTakeCall), so the container's init is the child of the process its engine ran.
Napi::Value SpawnInitsThrough(const Napi::CallbackInfo &info) {
  init_spawner_conn = info[0].As<Napi::Number>().Int32Value();
  return info.Env().Undefined();
}
