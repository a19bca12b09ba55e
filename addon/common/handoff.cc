#include "handoff.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

extern char **environ;

namespace {

const int kDefaultSeconds = 60;

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
  if (connect(fd, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

// The message's first bytes with the three fds attached; the rest follows as plain bytes.
bool send_message(int sock, const std::string &message, const int fds[3]) {
  char control[CMSG_SPACE(3 * sizeof(int))] = {};
  struct iovec iov = {const_cast<char *>(message.data()), message.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(3 * sizeof(int));
  memcpy(CMSG_DATA(c), fds, 3 * sizeof(int));
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  return send_all(sock, message.data() + n, message.size() - static_cast<size_t>(n));
}

bool read_small_file(const char *path, std::string &out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

void append_number(std::string &out, const char *name, long long value) {
  out += name;
  out += '=';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

bool hand_off(const std::string &socket_path, const std::string &cwd, const std::vector<std::string> &args, const int fds[3], int timeout_ms) {
  int sock = connect_to(socket_path);
  if (sock < 0) return false;
  std::string payload = cwd + '\0';
  for (const std::string &arg : args) payload += arg + '\0';
  uint32_t len = static_cast<uint32_t>(payload.size());
  const unsigned char prefix[4] = {static_cast<unsigned char>(len), static_cast<unsigned char>(len >> 8), static_cast<unsigned char>(len >> 16), static_cast<unsigned char>(len >> 24)};
  std::string message(reinterpret_cast<const char *>(prefix), 4);
  message += payload;
  struct timeval limit = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  bool taken = false;
  if (send_message(sock, message, fds)) {
    struct pollfd p = {sock, POLLIN, 0};
    int ready;
    do ready = poll(&p, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    char answer = 0;
    taken = ready == 1 && read(sock, &answer, 1) == 1 && answer == 'A';
  }
  // not taken: a standby that reads the message later finds us gone when it answers
  if (!taken) shutdown(sock, SHUT_RDWR);
  close(sock);
  return taken;
}

void append_process_context(std::string &context) {
  for (char **e = environ; *e; e++) {
    context += *e;
    context += '\0';
  }
  context += '\n';
  append_number(context, "uid", getuid());
  append_number(context, "euid", geteuid());
  append_number(context, "gid", getgid());
  append_number(context, "egid", getegid());
  gid_t groups[256];
  int count = getgroups(256, groups);
  for (int i = 0; i < count; i++) append_number(context, "group", groups[i]);
  static const char *const kNamespaces[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"};
  for (const char *ns : kNamespaces) {
    char link[64];
    std::string path = std::string("/proc/self/ns/") + ns;
    ssize_t n = readlink(path.c_str(), link, sizeof link);
    context += path + '=' + std::string(link, n > 0 ? static_cast<size_t>(n) : 0) + '\n';
  }
  read_small_file("/proc/self/cgroup", context);
  struct stat root;
  if (stat("/", &root) == 0) {
    append_number(context, "root-dev", static_cast<long long>(root.st_dev));
    append_number(context, "root-ino", static_cast<long long>(root.st_ino));
  }
  mode_t mask = umask(0);
  umask(mask);
  append_number(context, "umask", mask);
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct caps[2] = {};
  if (syscall(SYS_capget, &header, caps) == 0) {
    for (const auto &c : caps) {
      append_number(context, "cap-effective", c.effective);
      append_number(context, "cap-permitted", c.permitted);
      append_number(context, "cap-inheritable", c.inheritable);
    }
  }
  for (int r = 0; r < RLIM_NLIMITS; r++) {
    struct rlimit limit;
    if (getrlimit(static_cast<__rlimit_resource>(r), &limit) != 0) continue;
    append_number(context, "rlimit-cur", static_cast<long long>(limit.rlim_cur));
    append_number(context, "rlimit-max", static_cast<long long>(limit.rlim_max));
  }
  context += "oom_score_adj=";
  read_small_file("/proc/self/oom_score_adj", context);
  errno = 0;
  append_number(context, "nice", getpriority(PRIO_PROCESS, 0));
}

bool standbys_enabled() {
  const char *value = getenv("RUNTS_STANDBY");
  return !value || strcmp(value, "0") != 0;
}

int standby_seconds() {
  const char *value = getenv("RUNTS_STANDBY_SECONDS");
  long seconds = 0;
  for (const char *c = value ? value : ""; *c && seconds <= 86400; c++) {
    if (*c < '0' || *c > '9') return kDefaultSeconds;
    seconds = seconds * 10 + (*c - '0');
  }
  return seconds <= 0 || seconds > 86400 ? kDefaultSeconds : static_cast<int>(seconds);
}

bool standby_due(const std::string &marker, const std::string &note) {
  struct stat st;
  if (stat(marker.c_str(), &st) != 0) {
    int fd = open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      if (write(fd, note.data(), note.size()) < 0) {
        // the note only helps tests find their markers
      }
      close(fd);
    }
    return false;
  }
  utimensat(AT_FDCWD, marker.c_str(), nullptr, 0);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec - st.st_mtim.tv_sec < standby_seconds();
}

void spawn_standby(const std::string &socket_path, const std::string &program, const std::vector<const char *> &argv) {
  if (fork() != 0) return;
  setsid();
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0) _exit(1);
  syscall(SYS_close_range, 3, ~0U, 0);
  if (chdir("/") != 0) _exit(1);
  struct sockaddr_un addr;
  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  if (sock < 0 || !unix_address(socket_path, addr)) _exit(1);
  mode_t mask = umask(0177);
  bool bound = bind(sock, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) == 0;
  if (!bound && errno == EADDRINUSE) {
    int live = connect_to(socket_path);
    if (live >= 0) _exit(0);  // a standby has it
    // a dead one's file (of two spawners finding it so, the later one's standby keeps the name;
    // the other's waits unreachable until its lifetime ends)
    bound = unlink(socket_path.c_str()) == 0 && bind(sock, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) == 0;
  }
  umask(mask);
  if (!bound) _exit(0);
  if (listen(sock, 16) != 0) {
    unlink(socket_path.c_str());
    _exit(1);
  }
  if (sock != 3 && (dup2(sock, 3) < 0 || close(sock) < 0)) _exit(1);
  std::vector<const char *> args(argv);
  args.push_back(nullptr);
  execv(program.c_str(), const_cast<char *const *>(args.data()));
  unlink(socket_path.c_str());
  _exit(127);
}
