#include "light/context.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

extern char **environ;

const char kPwdOfCall[] = "PWD";

namespace {

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

std::string file_identity(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return "?";
  return std::to_string(st.st_dev) + ':' + std::to_string(st.st_ino) + ':' + std::to_string(st.st_mtim.tv_sec) + '.' +
         std::to_string(st.st_mtim.tv_nsec);
}

// The lines of /proc/self/status a process inherits: ids, groups, umask, capabilities, no_new_privs,
// seccomp, blocked and ignored signals, CPU and memory affinity.
std::string inherited_status() {
  static const char *const kKeys[] = {"Umask:", "Uid:", "Gid:", "Groups:", "SigBlk:", "SigIgn:", "CapInh:", "CapPrm:",
                                      "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:", "Cpus_allowed:",
                                      "Mems_allowed:"};
  std::string status = read_small_file("/proc/self/status"), out;
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

}  // namespace

std::string caller_context(const std::vector<std::string> &node_command, const std::string &cwd) {
  std::string out = "command\n";
  for (const std::string &a : node_command) out += a + '\0';
  // the runtime and the blob as files: a rebuilt dist or another Node never serves with old code
  for (size_t i = 0; i < node_command.size(); i++)
    if (i == 0 || node_command[i - 1] == "--snapshot-blob") out += file_identity(node_command[i].c_str()) + '\n';
  out += "environment\n";
  const std::string pwd_of_call = std::string(kPwdOfCall) + '=' + cwd;
  for (char **e = environ; *e; e++) out += (*e == pwd_of_call ? std::string(kPwdOfCall) : std::string(*e)) + '\0';
  out += "status\n" + inherited_status();
  out += "namespaces\n" + namespaces();
  out += "cgroup\n" + read_small_file("/proc/self/cgroup");
  out += "root\n" + file_identity("/") + '\n';
  out += "limits\n" + read_small_file("/proc/self/limits");
  out += "oom_score_adj\n" + read_small_file("/proc/self/oom_score_adj");
  return out;
}
