#include "init/idmap.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace {

bool write_proc_file(pid_t pid, const char *name, const std::string &text) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

// A user namespace with the given maps, held by a helper child only as long as it takes to
// write the maps and open the namespace (the fd keeps it alive afterwards), as runc does.
int mapped_userns(const std::string &uid_map, const std::string &gid_map) {
  long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) return -1;
  if (pid == 0) {
    for (;;) pause();
  }
  int fd = -1;
  if (write_proc_file(static_cast<pid_t>(pid), "uid_map", uid_map) && write_proc_file(static_cast<pid_t>(pid), "gid_map", gid_map))
    fd = open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
  int saved = errno;
  kill(static_cast<pid_t>(pid), SIGKILL);
  while (waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {}
  errno = saved;
  return fd;
}

}  // namespace

// args: index, source, recursive bind, recursive idmap, uid_map text, gid_map text
int make_idmapped_tree(const wire::Record &r) {
  const std::string &source = r.args.at(1);
  int userns = mapped_userns(r.args.at(4), r.args.at(5));
  if (userns < 0) return -1;
  unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (r.num(2) ? AT_RECURSIVE : 0);
  int tree = static_cast<int>(open_tree(AT_FDCWD, source.c_str(), tree_flags));
  if (tree >= 0) {
    struct mount_attr attr = {};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<uint64_t>(userns);
    if (mount_setattr(tree, "", AT_EMPTY_PATH | (r.num(3) ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) {
      int saved = errno;
      close(tree);
      tree = -1;
      errno = saved;
    }
  }
  int saved = errno;
  close(userns);
  errno = saved;
  return tree;
}
