// Rootfs preparation: every target is opened inside the rootfs by fd and mounted through that
// fd, so an image cannot redirect a mount onto the host (CVE-2021-30465, CVE-2024-45310).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "init/handlers.h"
#include "init/rootfs_paths.h"

namespace {

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { if (fd >= 0) close(fd); }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
};

std::string dirname_of(const std::string &p) {
  size_t i = p.find_last_of('/');
  return i == std::string::npos || i == 0 ? "/" : p.substr(0, i);
}
std::string basename_of(const std::string &p) {
  size_t i = p.find_last_of('/');
  return i == std::string::npos ? p : p.substr(i + 1);
}

// Clones `tree` (an open_tree fd) onto `target_fd` with `attrs` applied before it is visible.
bool attach_tree(int tree, int target_fd, uint64_t attrs, bool attrs_recursive) {
  if (attrs) {
    struct mount_attr attr = {};
    attr.attr_set = attrs;
    if (mount_setattr(tree, "", AT_EMPTY_PATH | (attrs_recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
      return false;
  }
  return move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0;
}

}  // namespace

namespace handlers {

bool root_propagation(InitContext &ctx, const wire::Record &r) {
  if (::mount(nullptr, "/", nullptr, r.num(0), nullptr) < 0) return ctx.fail("set propagation of /", errno, "/");
  return true;
}

// The mount holding `path` (the nearest mount point at or above it) gets `flags`: mount(2)
// says EINVAL for a path that is no mount point, so walk up until one takes it.
static int set_holding_mount_propagation(std::string path, unsigned long flags) {
  for (;;) {
    if (::mount(nullptr, path.c_str(), nullptr, flags, nullptr) == 0) return 0;
    if (errno != EINVAL || path == "/") return -1;
    path = dirname_of(path);
  }
}

// args: rootfs, propagation for the mount holding it, bind (0: the container shares the host's
// mount namespace, so neither its propagation nor a bind of the rootfs may change it).
bool bind_rootfs(InitContext &ctx, const wire::Record &r) {
  ctx.rootfs = r.args.at(0);
  if (r.num(2) != 0) {
    // pivot_root refuses a shared parent, and a bind under one would propagate to the host.
    if (set_holding_mount_propagation(ctx.rootfs, r.num(1)) < 0) return ctx.fail("make the mount holding the rootfs private", errno, ctx.rootfs);
    if (::mount(ctx.rootfs.c_str(), ctx.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
      return ctx.fail("bind mount rootfs", errno, ctx.rootfs);
  }
  ctx.root_fd = open(ctx.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx.root_fd < 0) return ctx.fail("open rootfs", errno, ctx.rootfs);
  return true;
}

// args: source, dest, fstype, flags, data, propagation, kind (0 fs, 1 bind, 2 rbind),
//       attrs (MOUNT_ATTR_* for binds), attrs_recursive, refuse_symlink, idmapped tree index
bool mount(InitContext &ctx, const wire::Record &r) {
  const std::string &source = r.args.at(0), &dest = r.args.at(1), &fstype = r.args.at(2);
  unsigned long flags = r.num(3);
  const std::string &data = r.args.at(4);
  unsigned long propagation = r.num(5);
  int kind = static_cast<int>(r.num(6));
  std::string what = (source.empty() ? fstype : source) + " to " + dest;

  // A bind whose id-mapped tree stage 1 already prepared: take that tree instead of the source.
  long prepared = r.args.size() > 10 ? r.snum(10) : -1;
  int prepared_tree = -1;
  if (prepared >= 0) {
    if (static_cast<size_t>(prepared) >= ctx.idmapped_trees.size()) return ctx.fail("mount", EINVAL, what + " (no id-mapped tree)");
    std::swap(prepared_tree, ctx.idmapped_trees[prepared]);
  }
  Fd idmapped(prepared_tree);

  DestKind dest_kind = DestKind::Directory;
  if (kind != 0) {
    struct stat st;
    int rc = idmapped.fd >= 0 ? fstat(idmapped.fd, &st) : stat(source.c_str(), &st);
    if (rc < 0) return ctx.fail("mount", errno, what + " (source)");
    if (!S_ISDIR(st.st_mode)) dest_kind = DestKind::File;
  }
  Fd target(open_dest_in_root(ctx, dest, dest_kind, r.num(9) != 0));
  if (target.fd < 0) return ctx.fail("mount", errno, what + " (destination)");

  if (kind == 0) {
    if (::mount(source.c_str(), fd_path(target.fd).c_str(), fstype.c_str(), flags, data.empty() ? nullptr : data.c_str()) < 0)
      return ctx.fail("mount", errno, what);
  } else {
    unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (kind == 2 ? AT_RECURSIVE : 0);
    Fd cloned(idmapped.fd >= 0 ? -1 : static_cast<int>(open_tree(AT_FDCWD, source.c_str(), tree_flags)));
    int tree = idmapped.fd >= 0 ? idmapped.fd : cloned.fd;
    if (tree < 0 || !attach_tree(tree, target.fd, r.num(7), r.num(8) != 0)) return ctx.fail("mount", errno, what);
  }
  if (propagation) {
    Fd mounted(open_in_root(ctx.root_fd, dest));
    if (mounted.fd < 0 || ::mount(nullptr, fd_path(mounted.fd).c_str(), nullptr, propagation, nullptr) < 0)
      return ctx.fail("set mount propagation", errno, dest);
  }
  return true;
}

// args: dest, mode (with S_IF* type bits), major, minor, uid, gid
bool mknod(InitContext &ctx, const wire::Record &r) {
  const std::string &dest = r.args.at(0);
  Fd dir(open_dest_in_root(ctx, dirname_of(dest), DestKind::Directory, false));
  if (dir.fd < 0) return ctx.fail("create device", errno, dest);
  std::string name = basename_of(dest);
  unlinkat(dir.fd, name.c_str(), 0);
  mode_t mode = static_cast<mode_t>(r.num(1));
  if (mknodat(dir.fd, name.c_str(), mode, makedev(r.num(2), r.num(3))) < 0) return ctx.fail("create device", errno, dest);
  if (fchownat(dir.fd, name.c_str(), static_cast<uid_t>(r.num(4)), static_cast<gid_t>(r.num(5)), AT_SYMLINK_NOFOLLOW) < 0)
    return ctx.fail("chown device", errno, dest);
  // mknod is subject to the umask: set the exact mode the spec asked for.
  Fd node(openat(dir.fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (node.fd < 0 || chmod(fd_path(node.fd).c_str(), mode & 07777) < 0) return ctx.fail("chmod device", errno, dest);
  return true;
}

// args: target, dest
bool symlink(InitContext &ctx, const wire::Record &r) {
  const std::string &dest = r.args.at(1);
  Fd dir(open_dest_in_root(ctx, dirname_of(dest), DestKind::Directory, false));
  if (dir.fd < 0) return ctx.fail("create symlink", errno, dest);
  if (symlinkat(r.args.at(0).c_str(), dir.fd, basename_of(dest).c_str()) < 0 && errno != EEXIST)
    return ctx.fail("create symlink", errno, dest);
  return true;
}

bool pivot_root(InitContext &ctx, const wire::Record &) {
  Fd old_root(open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  Fd new_root(open(ctx.rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (old_root.fd < 0 || new_root.fd < 0) return ctx.fail("pivot_root", errno, ctx.rootfs);
  // pivot_root(".", ".") stacks the old root on top of the new one; detach it from there.
  if (fchdir(new_root.fd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0) return ctx.fail("pivot_root", errno, ctx.rootfs);
  if (fchdir(old_root.fd) < 0) return ctx.fail("pivot_root", errno, "old root");
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return ctx.fail("make old root slave", errno, "/");
  if (umount2(".", MNT_DETACH) < 0) return ctx.fail("unmount old root", errno, "/");
  if (::chdir("/") < 0) return ctx.fail("chdir", errno, "/");
  close(ctx.root_fd);
  ctx.root_fd = -1;
  return true;
}

// args: none (--no-pivot: move the rootfs onto / first), or a directory to chroot into as it
// is (the container shares the host's mount namespace: nothing there may move).
bool chroot(InitContext &ctx, const wire::Record &r) {
  const std::string root = r.args.empty() ? ctx.rootfs : r.args.at(0);
  if (::chdir(root.c_str()) < 0) return ctx.fail("chdir", errno, root);
  if (r.args.empty() && ::mount(root.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) return ctx.fail("move rootfs to /", errno, root);
  if (::chroot(".") < 0 || ::chdir("/") < 0) return ctx.fail("chroot", errno, root);
  close(ctx.root_fd);
  ctx.root_fd = -1;
  return true;
}

// The container's /dev/null, checked to be the real device: an image that swapped it for a
// symlink or another file would turn a mask into a writable window (CVE-2025-31133).
static int open_real_devnull(InitContext &ctx) {
  if (ctx.devnull_fd >= 0) return ctx.devnull_fd;
  int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))) {
    close(fd);
    errno = EPERM;
    return -1;
  }
  return ctx.devnull_fd = fd;
}

// After pivot_root: hide a path behind /dev/null or an empty read-only tmpfs.
bool mask(InitContext &ctx, const wire::Record &r) {
  const std::string &path = r.args.at(0);
  Fd target(open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (target.fd < 0) return errno == ENOENT ? true : ctx.fail("mask path", errno, path);
  struct stat st;
  if (fstat(target.fd, &st) < 0) return ctx.fail("mask path", errno, path);
  if (S_ISLNK(st.st_mode)) return ctx.fail("mask path", ELOOP, path);
  if (S_ISDIR(st.st_mode)) {
    Fd fs(fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (fs.fd < 0 || fsconfig(fs.fd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return ctx.fail("mask path", errno, path);
    Fd mnt(fsmount(fs.fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY));
    if (mnt.fd < 0 || !attach_tree(mnt.fd, target.fd, 0, false)) return ctx.fail("mask path", errno, path);
    return true;
  }
  int devnull = open_real_devnull(ctx);
  if (devnull < 0) return ctx.fail("mask path", errno, path + " (/dev/null is not the null device)");
  Fd tree(static_cast<int>(open_tree(devnull, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH)));
  if (tree.fd < 0 || !attach_tree(tree.fd, target.fd, 0, false)) return ctx.fail("mask path", errno, path);
  return true;
}

bool readonly(InitContext &ctx, const wire::Record &r) {
  const std::string &path = r.args.at(0);
  Fd target(open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (target.fd < 0) return errno == ENOENT ? true : ctx.fail("make path read-only", errno, path);
  Fd tree(static_cast<int>(open_tree(target.fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE)));
  if (tree.fd < 0 || !attach_tree(tree.fd, target.fd, MOUNT_ATTR_RDONLY, true))
    return ctx.fail("make path read-only", errno, path);
  return true;
}

bool root_readonly(InitContext &ctx, const wire::Record &) {
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof attr) < 0) return ctx.fail("make rootfs read-only", errno, "/");
  return true;
}

}  // namespace handlers
