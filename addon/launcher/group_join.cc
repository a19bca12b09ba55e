#include "group_join.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "annotations.h"
#include "common/sha256.h"
#include "start_flags.h"

namespace {

const char kSocketDir[] = "/run/containerd/s/";
// src/shim/address.ts GROUPING_ANNOTATIONS, in order
const char *const kGroupingAnnotations[] = {"io.containerd.runc.v2.group", "io.kubernetes.cri.sandbox-id"};

bool read_fd(int fd, std::string &out) {
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

// Reads stdin (containerd's runtime options) to its end; true when it was empty. Otherwise stdin
// becomes a memory file with the same bytes, for the shim to read.
bool stdin_is_empty() {
  if (isatty(0)) return true;
  std::string data;
  if (!read_fd(0, data)) return errno == EBADF;
  if (data.empty()) return true;
  int copy = memfd_create("runts-shim-stdin", MFD_CLOEXEC);
  if (copy < 0 || write(copy, data.data(), data.size()) != static_cast<ssize_t>(data.size()) || lseek(copy, 0, SEEK_SET) != 0 || dup2(copy, 0) < 0) {
    std::string line = std::string("containerd-shim-runts-v2: keep the runtime options from stdin: ") + strerror(errno) + "\n";
    if (write(2, line.data(), line.size()) < 0) _exit(1);
    _exit(1);
  }
  close(copy);
  return false;
}

// The grouping id of the bundle in the working directory; false when config.json is there but
// not readable by this small reader.
bool group_of(const std::string &id, std::string &group) {
  group = id;
  int fd = open("config.json", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;  // no config: the container's own id, as the shim decides
  std::string json;
  bool ok = read_fd(fd, json);
  close(fd);
  std::map<std::string, std::string> annotations;
  if (!ok || !read_annotations(json, annotations)) return false;
  for (const char *key : kGroupingAnnotations) {
    auto it = annotations.find(key);
    if (it != annotations.end() && !it->second.empty()) {
      group = it->second;
      break;
    }
  }
  return true;
}

// path.posix.join(parts...): joined with '/', then '.', '..' and repeated slashes resolved.
std::string posix_join(const std::vector<std::string> &parts) {
  std::string joined;
  for (const std::string &p : parts) {
    if (p.empty()) continue;
    if (!joined.empty()) joined += '/';
    joined += p;
  }
  if (joined.empty()) return ".";
  bool absolute = joined[0] == '/';
  bool trailing = joined.back() == '/';
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= joined.size()) {
    size_t slash = joined.find('/', start);
    if (slash == std::string::npos) slash = joined.size();
    std::string seg = joined.substr(start, slash - start);
    start = slash + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!segments.empty() && segments.back() != "..") {
        segments.pop_back();
      } else if (!absolute) {
        segments.push_back(seg);
      }
      continue;
    }
    segments.push_back(seg);
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < segments.size(); i++) out += (i ? "/" : "") + segments[i];
  if (out.empty()) out = ".";
  if (trailing && out != "/") out += '/';
  return out;
}

bool accepts(const std::string &socket_path) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) return false;
  memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, reinterpret_cast<struct sockaddr *>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// src/foundation/atomic-file.ts writeFileAtomic: a temporary beside the file, renamed over it.
bool write_address_file(const std::string &address) {
  std::string temp = ".address." + std::to_string(getpid()) + ".tmp";
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = write(fd, address.data(), address.size()) == static_cast<ssize_t>(address.size());
  ok = close(fd) == 0 && ok;
  if (ok && rename(temp.c_str(), "address") == 0) return true;
  unlink(temp.c_str());
  return false;
}

}  // namespace

void join_running_group(int argc, char **argv) {
  StartFlags flags;
  if (!parse_start_flags(argc, argv, flags) || !stdin_is_empty()) return;
  std::string group;
  if (!group_of(flags.id, group)) return;
  std::string socket_path = kSocketDir + sha256_hex(posix_join({flags.address, flags.namespace_, group}));
  if (!accepts(socket_path)) return;
  std::string address = "unix://" + socket_path;
  if (!write_address_file(address)) return;
  size_t done = 0;
  while (done < address.size()) {
    ssize_t n = write(1, address.data() + done, address.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(1);
    done += static_cast<size_t>(n);
  }
  _exit(0);
}
