// Starts runts-init with posix_spawn (vfork+execve: no copy of Node's memory, no JS, no locks
// in the child). The caller decides which of its fds become the child's 0..n-1; the sync
// socket's init end is appended as fd n and named in argv[1].
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "module/errors.h"
#include "module/exports.h"
#include "module/spawn_attr.h"

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

Napi::Value SpawnInit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string binary = info[0].As<Napi::String>();
  int copy_err = 0;
  int sealed = sealed_copy(binary, copy_err);
  if (sealed < 0) return throw_errno(env, "copy " + binary + " into a sealed memfd", copy_err);
  std::string path = "/proc/self/fd/" + std::to_string(sealed);
  Napi::Array fd_array = info[1].As<Napi::Array>();
  std::vector<int> wanted;
  for (uint32_t i = 0; i < fd_array.Length(); i++) wanted.push_back(fd_array.Get(i).As<Napi::Number>().Int32Value());

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return throw_errno(env, "socketpair", errno);
  wanted.push_back(sv[1]);
  const int n = static_cast<int>(wanted.size());

  // Park every source above n first so no dup2 target clobbers a later source.
  std::vector<int> parked;
  for (int fd : wanted) {
    int p = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, n);
    if (fd >= 0 && p < 0) {
      int err = errno;
      for (int q : parked) if (q >= 0) close(q);
      close(sv[0]); close(sv[1]);
      return throw_errno(env, "dup fd " + std::to_string(fd) + " for runts-init", err);
    }
    parked.push_back(p);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int i = 0; i < n; i++) {
    if (parked[i] >= 0) posix_spawn_file_actions_adddup2(&actions, parked[i], i);
    else posix_spawn_file_actions_addclose(&actions, i);
  }
  CleanSignalsAttr attr;

  std::string sync_arg = std::to_string(n - 1);
  char *argv[] = {const_cast<char *>("runts-init"), const_cast<char *>(sync_arg.c_str()), nullptr};
  char *envp[] = {nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, path.c_str(), &actions, attr.get(), argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  for (int p : parked) if (p >= 0) close(p);
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
