// Starts a program for runtsd (a shim's one-shot command, a CNI plugin) with posix_spawn: glibc
// clones with CLONE_VM|CLONE_VFORK, so unlike child_process (libuv forks) the ~150 MB daemon's
// page tables are not copied on the JS thread for every child. The child gets three new pipes as
// its stdin/stdout/stderr, default signal dispositions and mask, and no other fd of the daemon.
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "module/errors.h"
#include "module/exports.h"
#include "common/spawn_attr.h"

namespace {

// Strings of a JS array as the NULL-terminated char* array execve wants (owned by `storage`).
std::vector<char *> c_strings(const Napi::Array &array, std::vector<std::string> &storage) {
  for (uint32_t i = 0; i < array.Length(); i++) storage.push_back(array.Get(i).As<Napi::String>());
  std::vector<char *> out;
  for (std::string &s : storage) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void close_all(const std::vector<int> &fds) {
  for (int fd : fds) if (fd >= 0) close(fd);
}

}  // namespace

// spawnProgram(file, argv, env, cwd | null): { pid, stdin, stdout, stderr }, the three being the
// daemon's ends of the child's pipes (close-on-exec). Throws with the errno's code (ENOENT for a
// missing program: glibc's posix_spawn reports exec failures).
Napi::Value SpawnProgram(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string file = info[0].As<Napi::String>();
  std::vector<std::string> argv_storage, env_storage;
  std::vector<char *> argv = c_strings(info[1].As<Napi::Array>(), argv_storage);
  std::vector<char *> envp = c_strings(info[2].As<Napi::Array>(), env_storage);
  std::string cwd = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";

  // parent[i] and child[i] are the two ends of the child's fd i; all close-on-exec.
  int parent[3] = {-1, -1, -1}, child[3] = {-1, -1, -1};
  for (int i = 0; i < 3; i++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
      int err = errno;
      close_all({parent[0], parent[1], parent[2], child[0], child[1], child[2]});
      return throw_errno(env, "pipe for " + file, err);
    }
    parent[i] = i == 0 ? p[1] : p[0];
    child[i] = i == 0 ? p[0] : p[1];
    // A child end below 3 (the daemon's own stdio closed) would be clobbered by an earlier dup2.
    if (child[i] < 3) {
      int above = fcntl(child[i], F_DUPFD_CLOEXEC, 3);
      close(child[i]);
      child[i] = above;
    }
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int i = 0; i < 3; i++) posix_spawn_file_actions_adddup2(&actions, child[i], i);
  // Node's fds are close-on-exec, but an addon's or a library's may not be: close them all.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  CleanSignalsAttr attr;

  pid_t pid;
  int rc = child[0] < 0 || child[1] < 0 || child[2] < 0
               ? EMFILE
               : posix_spawn(&pid, file.c_str(), &actions, attr.get(), argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close_all({child[0], child[1], child[2]});
  if (rc != 0) {
    close_all({parent[0], parent[1], parent[2]});
    return throw_errno(env, "spawn " + file, rc);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("stdin", Napi::Number::New(env, parent[0]));
  out.Set("stdout", Napi::Number::New(env, parent[1]));
  out.Set("stderr", Napi::Number::New(env, parent[2]));
  return out;
}
