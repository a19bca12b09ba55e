// createContainer and startContainer hooks: run by the init itself, inside the container's
// namespaces, with the OCI state on stdin and the hook's own timeout.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "init/handlers.h"

namespace handlers {

// args: kind, index, path, timeout_s (0 none), argc, args..., env...
bool hook(InitContext &ctx, const wire::Record &r) {
  const std::string what = r.args.at(0) + " hook #" + r.args.at(1) + " (" + r.args.at(2) + ")";
  size_t argc = r.num(4);
  std::vector<char *> argv, envp;
  for (size_t i = 0; i < argc; i++) argv.push_back(const_cast<char *>(r.args.at(5 + i).c_str()));
  argv.push_back(nullptr);
  for (size_t i = 5 + argc; i < r.args.size(); i++) envp.push_back(const_cast<char *>(r.args[i].c_str()));
  envp.push_back(nullptr);
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) return ctx.fail("run hook", errno, what);
  pid_t pid = fork();
  if (pid < 0) return ctx.fail("run hook", errno, what);
  if (pid == 0) {
    dup2(in[0], 0);
    // createContainer hooks start in the container's rootfs, as runc's do (before pivot_root).
    if (r.args[0] == "createContainer" && ctx.root_fd >= 0 && fchdir(ctx.root_fd) < 0) _exit(126);
    execve(r.args[2].c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  signal(SIGPIPE, SIG_IGN);
  const std::string &state = r.args[0] == "createContainer" ? ctx.creating_state_json : ctx.state_json;
  (void)!write(in[1], state.data(), state.size());
  close(in[1]);
  long timeout_ms = static_cast<long>(r.num(3)) * 1000;
  int status = 0;
  for (long waited = 0;; waited += 10) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return ctx.fail("wait for hook", errno, what);
    if (timeout_ms && waited >= timeout_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return ctx.fail("run hook", ETIMEDOUT, what);
    }
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return ctx.fail("run hook", 0, what + " failed: " + (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : "killed by signal " + std::to_string(WTERMSIG(status))));
  return true;
}

}  // namespace handlers
