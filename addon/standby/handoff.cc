#include "handoff.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "common/fd_passing.h"
#include "common/le32.h"

extern char **environ;

namespace {

const int kDefaultSeconds = 60;
const int kMaxSeconds = 86400;

bool unix_address(const std::string &path, struct sockaddr_un &addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return true;
}

int connect_to(const std::string &path) {
  struct sockaddr_un addr;
  if (!unix_address(path, addr)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int r;
  do r = connect(fd, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// The message, with the fds on its first bytes; a unix stream socket takes a small message whole,
// and the rest of a large one follows unadorned.
bool send_message(int sock, const std::string &payload, const int fds[3]) {
  unsigned char len[4];
  put_le32(static_cast<uint32_t>(payload.size()), len);
  std::string all = std::string(reinterpret_cast<char *>(len), sizeof len) + payload;
  ssize_t n = send_with_fds(sock, all.data(), all.size(), fds, 3);
  if (n <= 0) return false;
  for (size_t sent = static_cast<size_t>(n); sent < all.size(); sent += static_cast<size_t>(n)) {
    do n = send(sock, all.data() + sent, all.size() - sent, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
  }
  return true;
}

bool answered_taken(int sock, int timeout_ms) {
  struct pollfd p = {sock, POLLIN, 0};
  int r;
  do r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r <= 0) return false;
  char answer = 0;
  ssize_t n;
  do n = recv(sock, &answer, 1, 0);
  while (n < 0 && errno == EINTR);
  return n == 1 && answer == kHandoffTaken;
}

std::string read_small_file(const char *path) {
  std::string out;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "?";
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// This process's /proc/self/status, read once: a context digest and the signal masks take their
// lines from it, before anything here changes them (runts-light forwards signals only later).
const std::string &self_status() {
  static const std::string status = read_small_file("/proc/self/status");
  return status;
}

// The lines of /proc/self/status a process inherits, but for the blocked and ignored signals.
std::string inherited_status() {
  static const char *const kKeys[] = {"Umask:", "Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:",
                                      "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:", "Cpus_allowed:",
                                      "Mems_allowed:"};
  const std::string &status = self_status();
  std::string out;
  size_t at = 0;
  while (at < status.size()) {
    size_t end = status.find('\n', at);
    if (end == std::string::npos) end = status.size();
    std::string line = status.substr(at, end - at);
    for (const char *key : kKeys)
      if (line.compare(0, strlen(key), key) == 0) out += line + '\n';
    at = end + 1;
  }
  return out;
}

std::string namespaces() {
  std::vector<std::string> links;
  DIR *dir = opendir("/proc/self/ns");
  if (!dir) return "?";
  while (struct dirent *e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    char target[PATH_MAX];
    std::string path = std::string("/proc/self/ns/") + e->d_name;
    ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
    links.push_back(std::string(e->d_name) + '=' + (n < 0 ? "?" : std::string(target, static_cast<size_t>(n))));
  }
  closedir(dir);
  std::sort(links.begin(), links.end());
  std::string out;
  for (const std::string &l : links) out += l + '\n';
  return out;
}

std::string root_identity() {
  struct stat st;
  return stat("/", &st) == 0 ? std::to_string(st.st_dev) + ':' + std::to_string(st.st_ino) : "?";
}

bool ends_with(const std::string &name, const std::string &suffix) {
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A marker touched less than a lifetime ago, to the nanosecond: whole seconds would halve a short
// lifetime whenever two calls fall either side of a second's turn.
bool within_lifetime(const struct stat &marker) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  long long age_ns = (now.tv_sec - marker.st_mtim.tv_sec) * 1000000000LL + (now.tv_nsec - marker.st_mtim.tv_nsec);
  return age_ns < standby_seconds() * 1000000000LL;
}

// Removes the files in dir ending like one of `suffixes` that no call touched for longer than a lifetime.
void forget_stale_markers(const std::string &dir, const std::vector<std::string> &suffixes) {
  DIR *d = opendir(dir.c_str());
  if (!d) return;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int stale_seconds = std::max(standby_seconds(), kDefaultSeconds);
  while (struct dirent *e = readdir(d)) {
    std::string name = e->d_name;
    if (std::none_of(suffixes.begin(), suffixes.end(), [&](const std::string &suffix) { return ends_with(name, suffix); })) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && now.tv_sec - st.st_mtim.tv_sec >= stale_seconds)
      unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}

// In the standby-to-be: the socket at socket_path, listening; -1 when a live standby has the name.
int bind_standby_socket(const std::string &socket_path) {
  struct sockaddr_un addr;
  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  if (sock < 0 || !unix_address(socket_path, addr)) return -1;
  mode_t mask = umask(0177);
  bool bound = bind(sock, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) == 0;
  if (!bound && errno == EADDRINUSE) {
    int live = connect_to(socket_path);
    if (live >= 0) return -1;
    // a dead one's file (of two spawners finding it so, the later one's standby keeps the name;
    // the other's waits unreachable until its lifetime ends)
    bound = unlink(socket_path.c_str()) == 0 && bind(sock, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) == 0;
  }
  umask(mask);
  if (!bound) return -1;
  if (listen(sock, 16) != 0) {
    unlink(socket_path.c_str());
    return -1;
  }
  return sock;
}

}  // namespace

int hand_off(const std::string &socket_path, const std::string &cwd, const std::vector<std::string> &args, const int fds[3], int timeout_ms) {
  int sock = connect_to(socket_path);
  if (sock < 0) return -1;
  std::string payload = cwd + '\0';
  for (const std::string &arg : args) payload += arg + '\0';
  if (!send_message(sock, payload, fds) || !answered_taken(sock, timeout_ms)) {
    // a standby that reads the message later finds us gone when it answers
    close(sock);
    return -1;
  }
  return sock;
}

std::string file_identity(const std::string &path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "";
  return path + '@' + std::to_string(st.st_dev) + ':' + std::to_string(st.st_ino) + ':' + std::to_string(st.st_mtim.tv_sec) + '.' +
         std::to_string(st.st_mtim.tv_nsec) + '\n';
}

SignalMasks signal_masks() {
  const std::string &status = self_status();
  auto mask = [&](const char *key) {
    size_t at = status.find(key);
    return at == std::string::npos ? 0 : strtoull(status.c_str() + at + strlen(key), nullptr, 16);
  };
  return {mask("\nSigBlk:"), mask("\nSigIgn:")};
}

std::string process_context(const std::string &pwd_of_call, const std::string &shared) {
  std::string out = "environment\n";
  const std::string call_pwd = "PWD=" + pwd_of_call;
  for (char **e = environ; *e; e++) out += (!pwd_of_call.empty() && *e == call_pwd ? std::string("PWD") : std::string(*e)) + '\0';
  SignalMasks masks = signal_masks();
  out += "\nsignals blocked, ignored\n" + std::to_string(masks.blocked) + ' ' + std::to_string(masks.ignored) + '\n';
  return out + shared;
}

std::string shared_context() {
  std::string out = "status\n" + inherited_status();
  out += "namespaces\n" + namespaces();
  out += "cgroup\n" + read_small_file("/proc/self/cgroup");
  out += "root\n" + root_identity() + '\n';
  out += "limits\n" + read_small_file("/proc/self/limits");
  out += "oom_score_adj\n" + read_small_file("/proc/self/oom_score_adj");
  errno = 0;
  out += "nice\n" + std::to_string(getpriority(PRIO_PROCESS, 0)) + '\n';
  return out;
}

bool standbys_enabled() {
  const char *value = getenv("RUNTS_STANDBY");
  return !value || strcmp(value, "0") != 0;
}

int standby_seconds() {
  const char *value = getenv("RUNTS_STANDBY_SECONDS");
  if (!value || !*value) return kDefaultSeconds;
  char *end;
  long seconds = strtol(value, &end, 10);
  return *end || seconds <= 0 || seconds > kMaxSeconds ? kDefaultSeconds : static_cast<int>(seconds);
}

bool standby_due(const std::string &marker, const std::string &note) {
  struct stat st;
  if (stat(marker.c_str(), &st) != 0) {
    size_t slash = marker.rfind('/'), dot = marker.rfind('.');
    // and the wishes (standby/wish.h) of contexts that stopped calling
    if (slash != std::string::npos && dot != std::string::npos && dot > slash) forget_stale_markers(marker.substr(0, slash), {marker.substr(dot), ".wish"});
    int fd = open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
      if (write(fd, note.data(), note.size()) < 0) {
        // the note only helps tests find their markers
      }
      close(fd);
    }
    return false;
  }
  utimensat(AT_FDCWD, marker.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
  return within_lifetime(st);
}

bool marked_within_lifetime(const std::string &marker) {
  struct stat st;
  return stat(marker.c_str(), &st) == 0 && within_lifetime(st);
}

void spawn_standby(const std::string &socket_path, const std::string &program, const std::vector<const char *> &argv, const StandbyOrigin *origin) {
  pid_t starter = fork();
  if (starter < 0) return;
  if (starter > 0) {
    while (waitpid(starter, nullptr, 0) < 0 && errno == EINTR) {
    }
    return;
  }
  if (fork() != 0) _exit(0);
  setsid();
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0) _exit(1);
  syscall(SYS_close_range, 3, ~0U, 0);
  if (chdir("/") != 0) _exit(1);
  int sock = bind_standby_socket(socket_path);
  if (sock < 0) _exit(0);
  if (sock != 3 && (dup2(sock, 3) < 0 || close(sock) < 0)) _exit(1);
  std::vector<const char *> args(argv);
  args.push_back(nullptr);
  std::vector<const char *> env;
  if (origin) {
    for (const std::string &e : origin->environment) env.push_back(e.c_str());
    sigset_t blocked;
    sigemptyset(&blocked);
    for (int sig = 1; sig < 64; sig++) {
      if (sig != SIGKILL && sig != SIGSTOP) signal(sig, (origin->signals.ignored >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL);
      if ((origin->signals.blocked >> (sig - 1)) & 1) sigaddset(&blocked, sig);
    }
    sigprocmask(SIG_SETMASK, &blocked, nullptr);
  } else {
    for (char **e = environ; *e; e++) env.push_back(*e);
  }
  env.push_back(nullptr);
  execve(program.c_str(), const_cast<char *const *>(args.data()), const_cast<char *const *>(env.data()));
  unlink(socket_path.c_str());
  _exit(127);
}
