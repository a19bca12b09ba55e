// runts-light: how bin/runts starts the light commands (state, kill, start, delete, ...) and
// create, given Node's command line for them: `runts-light NODE FLAGS... -- ARGS...`. When a
// standby started in this same context (its socket is named by a digest of the command line and
// process_context) is idle, it takes the call (standby/handoff.h) and we start runts-init for it
// (init_spawn/remote.h) and wait for its exit status; else we become that Node command line,
// exactly as bin/runts would have. When the call came within a standby
// lifetime of a previous one with the same context, a new standby starts in the background as the
// call is taken or before we become Node (README "Start-up": standbys).
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "init_spawn/remote.h"
#include "standby/handoff.h"
#include "standby/wish.h"

namespace {

// The standby's own Node arguments: it waits on fd 3 for a call at the socket named next (the
// name is for ps and scripts/end-standbys.sh) ...
const char kStandbyFlag[] = "--runts-standby";
// ... and sets PWD to each call's cwd (its callers' PWD was their cwd: Go's os/exec sets it).
const char kPwdFollowsCwdFlag[] = "--pwd-is-cwd";
// A standby answers from a synchronous call; this only bounds a standby that is stopped or stuck.
const int kAnswerTimeoutMs = 2000;
const int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP};

pid_t standby_pid = 0;
volatile sig_atomic_t forwarded_signal = 0;

// Root's standbys live in a directory only root can write; another user's in its runtime dir.
std::string standby_dir() {
  std::string dir;
  if (geteuid() == 0) {
    dir = "/run/runts-standby";
  } else {
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    if (!runtime || runtime[0] != '/') return "";
    dir = std::string(runtime) + "/runts-standby";
  }
  mkdir(dir.c_str(), 0700);
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) return "";
  return dir;
}

// The Node command line's part of a context: its words, and the runtime and the blob as files (a
// rebuilt dist or another Node never serves with old code).
std::string command_identity(const std::vector<std::string> &node_command) {
  std::string out = "runts-light standby\n";
  for (const std::string &a : node_command) out += a + '\0';
  out += '\n';
  for (size_t i = 0; i < node_command.size(); i++)
    if (i == 0 || node_command[i - 1] == "--snapshot-blob") out += file_identity(node_command[i]);
  return out;
}

// A standby's command line: Node's with its files resolved (a standby runs in "/"), then the
// standby flags.
std::vector<std::string> standby_command(const std::vector<std::string> &node_command, const std::string &socket_path, bool pwd_is_cwd) {
  std::vector<std::string> command = node_command;
  char resolved[PATH_MAX];
  for (size_t i = 0; i < command.size(); i++)
    if ((i == 0 || command[i - 1] == "--snapshot-blob") && realpath(command[i].c_str(), resolved)) command[i] = resolved;
  command.insert(command.end(), {kStandbyFlag, socket_path});
  if (pwd_is_cwd) command.push_back(kPwdFollowsCwdFlag);
  return command;
}

void start_standby(const std::vector<std::string> &command, const std::string &socket_path) {
  std::vector<const char *> argv;
  for (const std::string &a : command) argv.push_back(a.c_str());
  spawn_standby(socket_path, command[0], argv);
}

// conmon (podman's monitor of one container) is a subreaper that, once its container exited, waits
// for every child it adopted before it runs podman's cleanup, and podman waits for that: a standby
// started by conmon's create (a runtime wrapper script may stand between) would hold both (measured:
// podman run --rm +150 ms) until it took a call or its lifetime ended. The cleanup's own calls
// (delete) come after that wait, so their standbys hold nothing: conmon's create leaves a wish for
// its standby, which the cleanup's call grants (standby/wish.h).
bool below_conmon() {
  pid_t pid = getppid();
  for (int depth = 0; pid > 1 && depth < 64; depth++) {
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, stat, sizeof stat - 1);
    close(fd);
    if (n <= 0) return false;
    stat[n] = '\0';
    // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, the last ')' ends it
    const char *open_paren = strchr(stat, '(');
    const char *close_paren = strrchr(stat, ')');
    if (!open_paren || !close_paren || close_paren < open_paren) return false;
    if (std::string(open_paren + 1, close_paren) == "conmon") return true;
    pid = static_cast<pid_t>(atoi(close_paren + 4));  // ") S PPID"
  }
  return false;
}

void forward_signal(int sig) {
  forwarded_signal = sig;
  kill(standby_pid, sig);
}

pid_t peer_pid(int sock) {
  struct ucred cred = {};
  socklen_t len = sizeof cred;
  return getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.pid : 0;
}

// Serves the standby's requests (init_spawn/remote.h) until it reports the call's exit status;
// false when the connection closed without one. The runts-init it started for the call are reaped
// once the call ended (the standby watches them by pidfd meanwhile); the container inits they
// cloned are ours with CLONE_PARENT and stay for our parent's subreaper.
bool serve_until_exit_status(int sock, int32_t *status) {
  std::vector<pid_t> started;
  bool reported = false;
  for (StandbyMessage message; read_standby_message(sock, &message); message = StandbyMessage()) {
    if (message.kind == kStartInit) {
      pid_t pid = serve_init_spawn(message);
      if (pid > 0) started.push_back(pid);
      continue;
    }
    for (int fd : message.fds) close(fd);
    reported = message.kind == kCallExited;
    *status = message.value;
    break;
  }
  for (pid_t pid : started) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  return reported;
}

// A call that hands the container fds beyond 0-2 (create --preserve-fds, systemd's LISTEN_FDS)
// runs in a Node of its own: a standby takes only stdio.
bool passes_more_fds(const std::vector<std::string> &args) {
  if (getenv("LISTEN_FDS")) return true;
  for (const std::string &a : args)
    if (a.size() > 1 && a[0] == '-' && a.find("preserve-fds") != std::string::npos) return true;
  return false;
}

// runc's form for an error without --log (logrus' text line on stderr).
void report_lost_standby() {
  char stamp[32];
  time_t now = time(nullptr);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  dprintf(2, "time=\"%s\" level=error msg=\"the runts standby running this command ended without an exit status\"\n", stamp);
}

// The Node command line we were given, as bin/runts would have run it.
int become_node(char **argv) {
  execv(argv[1], argv + 1);
  dprintf(2, "runts-light: %s: %s\n", argv[1], strerror(errno));
  return 127;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    dprintf(2, "usage: runts-light NODE [NODE FLAGS...] -- [RUNTS ARGS...]\n");
    return 2;
  }
  int separator = 1;
  while (separator < argc && strcmp(argv[separator], "--") != 0) separator++;
  std::string dir = separator < argc && standbys_enabled() ? standby_dir() : "";
  char cwd[PATH_MAX];
  if (dir.empty() || !getcwd(cwd, sizeof cwd)) return become_node(argv);
  std::vector<std::string> node_command(argv + 1, argv + separator + 1);
  std::vector<std::string> args(argv + separator + 1, argv + argc);
  if (passes_more_fds(args)) return become_node(argv);
  const char *pwd = getenv("PWD");
  bool pwd_is_cwd = pwd && strcmp(pwd, cwd) == 0;
  std::string shared = shared_context();
  std::string digest = sha256_hex(command_identity(node_command) + process_context(pwd_is_cwd ? cwd : "", shared));
  std::string socket_path = dir + '/' + digest + ".sock";
  struct sigaction given[sizeof kForwardedSignals / sizeof *kForwardedSignals];
  for (size_t i = 0; i < sizeof kForwardedSignals / sizeof *kForwardedSignals; i++) sigaction(kForwardedSignals[i], nullptr, &given[i]);

  const int stdio[3] = {0, 1, 2};
  int sock = hand_off(socket_path, cwd, args, stdio, kAnswerTimeoutMs);
  bool refused = sock < 0 && errno == ECONNREFUSED;
  // an id may be "create" too: such a call below conmon then wishes rather than starts, which costs
  // nothing but time
  bool conmons_create = std::find(args.begin(), args.end(), "create") != args.end() && below_conmon();
  std::string marker = dir + '/' + digest + ".seen";
  // the next call may come while this one runs (a shim's start, then its delete): its standby
  // starts now, on the other core
  if (standby_due(marker, "")) {
    std::vector<std::string> command = standby_command(node_command, socket_path, pwd_is_cwd);
    if (conmons_create) {
      // a standby killed outright left its socket, which would keep every grant away
      if (refused) unlink(socket_path.c_str());
      leave_wish(dir, shared, socket_path, marker, command);
    } else {
      start_standby(command, socket_path);
    }
  }
  if (!conmons_create) grant_wish(dir, shared);
  if (sock < 0) return become_node(argv);

  standby_pid = peer_pid(sock);
  struct sigaction forward = {};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  for (size_t i = 0; i < sizeof kForwardedSignals / sizeof *kForwardedSignals; i++)
    if (given[i].sa_handler != SIG_IGN) sigaction(kForwardedSignals[i], &forward, nullptr);
  int32_t status = 0;
  bool reported = serve_until_exit_status(sock, &status);
  if (!reported && forwarded_signal) {
    // the standby died of the signal we passed on, as we would have
    signal(forwarded_signal, SIG_DFL);
    raise(forwarded_signal);
  }
  if (!reported) {
    report_lost_standby();
    return 1;
  }
  return status;
}
