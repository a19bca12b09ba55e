// runts-init: started by the N-API module with vfork+execve (Node never forks into a
// container). It receives the launch plan on the sync socket, joins namespaces given by path,
// clones the container init with the new-namespace flags (CLONE_PARENT: the init is a child of
// the runtime process, which can wait for it), reports its pid and exits.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "common/ops.h"
#include "init/child.h"
#include "init/idmap.h"
#include "init/sync.h"

static int report(int sync_fd, const char *step, int err, const std::string &detail) {
  sync_channel::send(sync_fd, ops::MSG_ERROR, {step, std::to_string(err), detail});
  return 1;
}

static bool write_time_offsets(const wire::Record &r) {
  std::string text = "monotonic " + r.args.at(0) + " " + r.args.at(1) + "\nboottime " + r.args.at(2) + " " + r.args.at(3) + "\n";
  int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int sync_fd = atoi(argv[1]);
  // Non-dumpable from the start: no container process may ptrace us or open our /proc files
  // (CVE-2016-9962). execve of the user process resets it.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  std::vector<wire::Record> plan;
  if (!sync_channel::receive(sync_fd, plan)) return report(sync_fd, "read launch plan", EPROTO, "");

  // Id-mapped trees first, with the runtime's own privileges and view of the host filesystems.
  std::vector<int> idmapped_trees;
  for (const wire::Record &rec : plan) {
    if (rec.op != ops::IDMAP_TREE) continue;
    int tree = make_idmapped_tree(rec);
    if (tree < 0) return report(sync_fd, "id-mapped mount", errno, rec.args.at(1));
    idmapped_trees.push_back(tree);
  }

  // Open every namespace first: once the mount namespace is joined, /proc is the container's.
  std::vector<std::pair<int, int>> joins;  // fd, type
  unsigned long clone_flags = 0;
  for (const wire::Record &rec : plan) {
    if (rec.op == ops::NS_JOIN) {
      int fd = open(rec.args.at(1).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return report(sync_fd, "open namespace", errno, rec.args[1]);
      joins.emplace_back(fd, static_cast<int>(rec.num(0)));
    } else if (rec.op == ops::CLONE) {
      clone_flags = rec.num(0);
    }
  }
  for (const auto &[fd, type] : joins) {
    if (setns(fd, type) < 0) return report(sync_fd, "join namespace", errno, std::to_string(type));
    close(fd);
  }
  for (const wire::Record &rec : plan) {
    if (rec.op != ops::TIME_OFFSETS) continue;
    if (unshare(CLONE_NEWTIME) < 0) return report(sync_fd, "unshare time namespace", errno, "");
    if (!write_time_offsets(rec)) return report(sync_fd, "write time offsets", errno, "/proc/self/timens_offsets");
  }
  // A new user namespace's maps are written by the parent through /proc/<pid>/uid_map, which an
  // unprivileged parent can only open while the init is dumpable. The init inherits dumpability
  // at clone (set here, not in the child: the parent may write the maps before the child runs),
  // stays dumpable until GO (nothing else runs in the container yet) and drops it right after.
  const bool new_userns = (clone_flags & CLONE_NEWUSER) != 0;
  if (new_userns) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  long pid = syscall(SYS_clone, clone_flags | CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  int clone_errno = errno;
  if (pid == 0) run_container_init(sync_fd, plan, idmapped_trees);
  if (new_userns) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  for (int tree : idmapped_trees) close(tree);
  if (pid < 0) return report(sync_fd, "clone container init", clone_errno, "");
  sync_channel::send(sync_fd, ops::MSG_PID, {std::to_string(pid)});
  return 0;
}
