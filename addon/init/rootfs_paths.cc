#include "init/rootfs_paths.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

static int openat2_in_root(int root_fd, const std::string &path, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  int fd;
  do fd = static_cast<int>(syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how));
  while (fd < 0 && (errno == EAGAIN || errno == EINTR));
  return fd;
}

int open_in_root(int root_fd, const std::string &path, int extra_flags) {
  return openat2_in_root(root_fd, path, O_PATH | extra_flags);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

static std::vector<std::string> split_components(const std::string &path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// A dangling symlink on the way is created as the directory it names, inside the root (like
// securejoin + MkdirAll): the rest of the path is resolved again from the link's target.
static bool rewrite_through_link(int dir, const std::string &name, const std::string &prefix_parent,
                                 std::vector<std::string> &parts, size_t i) {
  char target[4096];
  ssize_t n = readlinkat(dir, name.c_str(), target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  std::string base = target[0] == '/' ? std::string(target) : prefix_parent + "/" + target;
  std::vector<std::string> rewritten = split_components(base);
  rewritten.insert(rewritten.end(), parts.begin() + static_cast<long>(i) + 1, parts.end());
  // Resolve ".." lexically, clamped at the root: the same rule RESOLVE_IN_ROOT applies.
  std::vector<std::string> clean;
  for (const std::string &c : rewritten) {
    if (c == ".") continue;
    if (c == "..") { if (!clean.empty()) clean.pop_back(); continue; }
    clean.push_back(c);
  }
  parts = clean;
  return true;
}

int open_dest_in_root(InitContext &ctx, const std::string &path, DestKind kind, bool refuse_symlink) {
  std::vector<std::string> parts = split_components(path);
  if (parts.empty()) return openat2_in_root(ctx.root_fd, "/", O_PATH | O_DIRECTORY);
  int hops = 0;
restart:
  // Walk the parents, creating each missing directory through its (in-root) parent fd.
  int dir = openat2_in_root(ctx.root_fd, "/", O_PATH | O_DIRECTORY);
  std::string prefix;
  for (size_t i = 0; i + 1 < parts.size() && dir >= 0; i++) {
    std::string parent = prefix;
    prefix += "/" + parts[i];
    int next = openat2_in_root(ctx.root_fd, prefix, O_PATH | O_DIRECTORY);
    if (next < 0 && errno == ENOENT) {
      if (mkdirat(dir, parts[i].c_str(), 0755) < 0) {
        if (errno != EEXIST) { close(dir); return -1; }
        if (++hops > 40 || !rewrite_through_link(dir, parts[i], parent, parts, i)) { close(dir); errno = ELOOP; return -1; }
        close(dir);
        goto restart;
      }
      next = openat2_in_root(ctx.root_fd, prefix, O_PATH | O_DIRECTORY);
    }
    close(dir);
    dir = next;
  }
  if (dir < 0) return -1;
  const std::string &last = parts.back();
  std::string joined;
  for (const std::string &c : parts) joined += "/" + c;
  int fd = openat(dir, last.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
      close(fd);
      if (refuse_symlink) { close(dir); errno = ELOOP; return -1; }
      fd = openat2_in_root(ctx.root_fd, joined, O_PATH);  // resolve the link inside the root
      if (fd < 0 && errno == ENOENT && ++hops <= 40) {
        std::string parent = joined.substr(0, joined.size() - last.size() - 1);
        if (rewrite_through_link(dir, last, parent, parts, parts.size() - 1)) { close(dir); goto restart; }
      }
    }
    close(dir);
    return fd;
  }
  if (errno != ENOENT) { close(dir); return -1; }
  if (kind == DestKind::Directory) {
    if (mkdirat(dir, last.c_str(), 0755) < 0 && errno != EEXIST) { close(dir); return -1; }
  } else {
    int f = openat(dir, last.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
    if (f < 0 && errno != EEXIST) { close(dir); return -1; }
    if (f >= 0) close(f);
  }
  fd = openat(dir, last.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  close(dir);
  return fd;
}
