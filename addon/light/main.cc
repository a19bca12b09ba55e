// runts-light: how bin/runts starts the light commands (state, kill, start, delete, ...), given
// Node's command line for them: `runts-light NODE FLAGS... -- ARGS...`. When a standby started
// in this same context (light/context.cc) is idle, it takes the call (common/handoff.h) and we wait
// for its exit status; else we become that Node command line, exactly as bin/runts would have.
// When the call came within a standby lifetime of a previous one with the same context, a new
// standby starts in the background as the call is taken or before we become Node (README
// "Start-up": standbys).
#include <dirent.h>
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

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/handoff.h"
#include "common/sha256.h"
#include "light/context.h"

namespace {

// The standby's own Node arguments: it waits at the socket named next.
const char kStandbyFlag[] = "--runts-standby";
// ... and sets PWD to each call's cwd (light/context.h: kPwdOfCall).
const char kPwdFollowsCwdFlag[] = "--pwd-is-cwd";
const int kDefaultLifetimeSeconds = 60;
// RUNTS_STANDBY_SECONDS' largest (src/cli/standby.ts reads it too).
const int kMaxLifetimeSeconds = 86400;
// A standby answers from a synchronous call; this only bounds a standby that is stopped or stuck.
const int kAnswerTimeoutMs = 2000;
const int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP};
const size_t kSignalCount = sizeof kForwardedSignals / sizeof *kForwardedSignals;
// Standbys per context: a second one is started when a call comes while the first is on its way
// (calls closer than a standby's start-up, ~40 ms: containerd's runc shim calls start, then
// delete ~20 ms after a short container's end).
const int kSlots = 2;
// A standby listens ~40 ms after it is started; one not listening after this never will.
const int kStartingStaleSeconds = 5;

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

int lifetime_seconds() {
  const char *text = getenv("RUNTS_STANDBY_SECONDS");
  if (!text || !*text) return kDefaultLifetimeSeconds;
  char *end;
  long value = strtol(text, &end, 10);
  return *end || value < 0 || value > kMaxLifetimeSeconds ? kDefaultLifetimeSeconds : static_cast<int>(value);
}

// Removes the markers of contexts no call came from for longer than any lifetime.
void forget_old_contexts(const std::string &dir, time_t now) {
  DIR *d = opendir(dir.c_str());
  if (!d) return;
  while (struct dirent *e = readdir(d)) {
    size_t len = strlen(e->d_name);
    struct stat st;
    if (len > 5 && strcmp(e->d_name + len - 5, ".seen") == 0 && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        now - st.st_mtim.tv_sec > kMaxLifetimeSeconds)
      unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}

// Whether a call with this context came within the lifetime; notes this one.
bool seen_recently(const std::string &dir, const std::string &marker, int lifetime) {
  struct stat st;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  bool known = stat(marker.c_str(), &st) == 0;
  bool recent = known && now.tv_sec - st.st_mtim.tv_sec < lifetime;
  if (!known) forget_old_contexts(dir, now.tv_sec);
  int fd = open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) {
    futimens(fd, nullptr);
    close(fd);
  }
  return recent;
}

// What a call's context decides about standbys: their sockets' names (the digest), whether one
// should be waiting (a call came within the lifetime before), how to start one.
struct Context {
  std::vector<std::string> node_command;
  std::string prefix;  // standby dir + '/' + digest
  bool pwd_is_cwd;
  bool wanted;
  struct sigaction given[kSignalCount];
};

std::string socket_of(const Context &c, int slot) { return c.prefix + '-' + std::to_string(slot) + ".sock"; }
std::string starting_of(const Context &c, int slot) { return c.prefix + '-' + std::to_string(slot) + ".starting"; }

// Whether a standby for this slot should start now: none is listening (the one we called took
// our call, or there was none) and none is starting (a marker the standby removes once it listens
// or gives up; one older than kStartingStaleSeconds is from a standby that died first).
bool claim_start(const Context &c, int slot) {
  if (access(socket_of(c, slot).c_str(), F_OK) == 0) return false;
  std::string starting = starting_of(c, slot);
  int fd = open(starting.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    struct stat st;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (errno != EEXIST || lstat(starting.c_str(), &st) != 0 || now.tv_sec - st.st_mtim.tv_sec < kStartingStaleSeconds) return false;
    unlink(starting.c_str());
    fd = open(starting.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return false;
  }
  close(fd);
  return true;
}

// A standby in our own context: its own session, stdio on /dev/null, cwd "/", our environment,
// the signal dispositions we were given.
// Whether the process that adopted us is a runts program on our Node (the runts shim driving
// bin/runts): it takes every child it is given for a container's process, to reap and report.
bool adopted_by_runts(const std::string &node) {
  char parent_exe[PATH_MAX], ours[PATH_MAX];
  std::string link = "/proc/" + std::to_string(getppid()) + "/exe";
  ssize_t n = readlink(link.c_str(), parent_exe, sizeof parent_exe - 1);
  if (n < 0 || !realpath(node.c_str(), ours)) return false;
  parent_exe[n] = '\0';
  return strcmp(parent_exe, ours) == 0;
}

void start_standby(const Context &c, int slot) {
  pid_t starter = fork();
  if (starter < 0) return;
  if (starter > 0) {
    while (waitpid(starter, nullptr, 0) < 0 && errno == EINTR) {
    }
    return;
  }
  // The starter exits at once, so the standby is adopted by whoever takes orphans above us:
  // init, or a subreaper (conmon; a runc shim, which ignores children it does not know).
  starter = getpid();
  if (fork() != 0) _exit(0);
  while (getppid() == starter) usleep(100);
  if (adopted_by_runts(c.node_command[0])) {
    unlink(starting_of(c, slot).c_str());
    _exit(0);
  }
  for (size_t i = 0; i < kSignalCount; i++) sigaction(kForwardedSignals[i], &c.given[i], nullptr);
  setsid();
  int null = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; fd++) dup2(null, fd);
  if (null > 2) close(null);
  // the runtime and the blob may be named relative to the cwd we leave
  std::vector<std::string> command = c.node_command;
  std::string socket_path = socket_of(c, slot);
  char resolved[PATH_MAX];
  for (size_t i = 0; i < command.size(); i++)
    if ((i == 0 || command[i - 1] == "--snapshot-blob") && realpath(command[i].c_str(), resolved)) command[i] = resolved;
  if (chdir("/") != 0) _exit(1);
  std::vector<char *> argv;
  for (const std::string &a : command) argv.push_back(const_cast<char *>(a.c_str()));
  argv.push_back(const_cast<char *>(kStandbyFlag));
  argv.push_back(const_cast<char *>(socket_path.c_str()));
  if (c.pwd_is_cwd) argv.push_back(const_cast<char *>(kPwdFollowsCwdFlag));
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

// After a call: the slot whose standby took it gets a new one; else the first slot, or the second
// when the first's is on its way.
void refill(const Context &c, int served) {
  if (!c.wanted) return;
  if (served >= 0) {
    if (claim_start(c, served)) start_standby(c, served);
    return;
  }
  for (int slot = 0; slot < kSlots; slot++) {
    if (claim_start(c, slot)) {
      start_standby(c, slot);
      return;
    }
  }
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

// The exit status the standby reports (a little-endian i32) once its command ended; false when
// the connection closed without one.
bool read_exit_status(int sock, int32_t *status) {
  unsigned char buf[4];
  size_t got = 0;
  while (got < sizeof buf) {
    ssize_t n = read(sock, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  *status = static_cast<int32_t>(buf[0] | buf[1] << 8 | buf[2] << 16 | static_cast<uint32_t>(buf[3]) << 24);
  return true;
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
  const char *off = getenv("RUNTS_STANDBY");
  std::string dir = separator < argc && !(off && strcmp(off, "0") == 0) ? standby_dir() : "";
  if (dir.empty()) return become_node(argv);
  Context context;
  context.node_command.assign(argv + 1, argv + separator + 1);
  std::vector<std::string> args(argv + separator + 1, argv + argc);
  char cwd[PATH_MAX];
  bool has_cwd = getcwd(cwd, sizeof cwd) != nullptr;
  const char *pwd = getenv(kPwdOfCall);
  context.pwd_is_cwd = has_cwd && pwd && strcmp(pwd, cwd) == 0;
  context.prefix = dir + '/' + sha256_hex(caller_context(context.node_command, has_cwd ? cwd : ""));
  int lifetime = lifetime_seconds();
  context.wanted = seen_recently(dir, context.prefix + ".seen", lifetime) && lifetime > 0;
  for (size_t i = 0; i < kSignalCount; i++) sigaction(kForwardedSignals[i], nullptr, &context.given[i]);

  const int stdio[3] = {0, 1, 2};
  int served = -1, sock = -1;
  for (int slot = 0; has_cwd && sock < 0 && slot < kSlots; slot++) {
    bool refused = false;
    sock = handoff_call(socket_of(context, slot), cwd, args, stdio, kAnswerTimeoutMs, &refused);
    if (refused) unlink(socket_of(context, slot).c_str());
    if (sock >= 0) served = slot;
  }
  // the next call may come while this one runs (a shim's start, then its delete): its standby
  // starts now, on the other core
  refill(context, served);
  if (sock < 0) return become_node(argv);

  standby_pid = peer_pid(sock);
  struct sigaction forward = {};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  for (size_t i = 0; i < kSignalCount; i++)
    if (context.given[i].sa_handler != SIG_IGN) sigaction(kForwardedSignals[i], &forward, nullptr);
  int32_t status;
  bool reported = read_exit_status(sock, &status);
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
