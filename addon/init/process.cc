// The process side of the container init: identity, limits, capabilities, fds, exec.
#include <fcntl.h>
#include <sched.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/ops.h"
#include "init/handlers.h"
#include "init/sync.h"

namespace {

std::vector<char *> c_strings(const std::vector<std::string> &args, size_t from, size_t count) {
  std::vector<char *> out;
  for (size_t i = from; i < from + count && i < args.size(); i++) out.push_back(const_cast<char *>(args[i].c_str()));
  out.push_back(nullptr);
  return out;
}

bool is_executable_file(const std::string &path, int &err) {
  struct stat st;
  if (stat(path.c_str(), &st) < 0) { err = errno; return false; }
  if (S_ISDIR(st.st_mode)) { err = EACCES; return false; }
  if (access(path.c_str(), X_OK) < 0) { err = errno; return false; }
  return true;
}

// PATH lookup as execvp does it, but done before exec so create can report it (runc does).
bool find_executable(const std::string &path_env, const std::string &name, std::string &out, int &err) {
  if (name.find('/') != std::string::npos) {
    out = name;
    return is_executable_file(name, err);
  }
  err = ENOENT;
  size_t i = 0;
  while (i <= path_env.size()) {
    size_t j = path_env.find(':', i);
    if (j == std::string::npos) j = path_env.size();
    std::string dir = path_env.substr(i, j - i);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    int e = 0;
    if (is_executable_file(candidate, e)) { out = candidate; return true; }
    if (e == EACCES) err = EACCES;
    i = j + 1;
  }
  return false;
}

// Opens a file of the container's procfs for writing where no mount stacked inside /proc can
// redirect it: a private clone of the /proc mount alone (mounts on top of /proc/sys/... stay
// behind), entered without crossing mounts or following links. Writes then land in procfs's
// own file, never in a look-alike or another procfs file bound over it (CVE-2019-16884,
// CVE-2025-52881).
int open_procfs_file(const std::string &rel) {
  int proc = static_cast<int>(open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (proc < 0) return -1;
  struct statfs sfs;
  if (fstatfs(proc, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
    close(proc);
    errno = EXDEV;
    return -1;
  }
  struct open_how how = {};
  how.flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(syscall(SYS_openat2, proc, rel.c_str(), &how, sizeof how));
  int saved = errno;
  close(proc);
  errno = saved;
  return fd;
}

bool write_procfs_file(const std::string &rel, const std::string &value) {
  int fd = open_procfs_file(rel);
  if (fd < 0) return false;
  bool ok = write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

}  // namespace

namespace handlers {

bool setsid(InitContext &ctx, const wire::Record &) {
  if (::setsid() < 0) return ctx.fail("setsid", errno, "");
  return true;
}

bool hostname(InitContext &ctx, const wire::Record &r) {
  if (sethostname(r.args.at(0).data(), r.args.at(0).size()) < 0) return ctx.fail("set hostname", errno, r.args[0]);
  return true;
}

bool domainname(InitContext &ctx, const wire::Record &r) {
  if (setdomainname(r.args.at(0).data(), r.args.at(0).size()) < 0) return ctx.fail("set domainname", errno, r.args[0]);
  return true;
}

bool sysctl(InitContext &ctx, const wire::Record &r) {
  std::string key = r.args.at(0), path = "sys/";
  for (char c : key) path += c == '.' ? '/' : c;
  if (!write_procfs_file(path, r.args.at(1))) return ctx.fail("write sysctl", errno, key);
  return true;
}

bool rlimit(InitContext &ctx, const wire::Record &r) {
  struct rlimit lim;
  lim.rlim_cur = r.num(1);
  lim.rlim_max = r.num(2);
  if (prlimit(0, static_cast<__rlimit_resource>(r.num(0)), &lim, nullptr) < 0)
    return ctx.fail("setrlimit", errno, r.args.size() > 3 ? r.args[3] : r.args[0]);
  return true;
}

bool no_new_privs(InitContext &ctx, const wire::Record &) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return ctx.fail("set no_new_privs", errno, "");
  return true;
}

// Every fd from `first` up closes on exec: no host fd reaches the container (CVE-2024-21626).
bool close_fds(InitContext &ctx, const wire::Record &r) {
  if (syscall(SYS_close_range, static_cast<unsigned>(r.num(0)), ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return ctx.fail("close_range", errno, "");
  return true;
}

// args: bounding mask (lo 32 | hi 32 as one u64), last_cap
bool bounding_caps(InitContext &ctx, const wire::Record &r) {
  uint64_t keep = r.num(0);
  unsigned last = static_cast<unsigned>(r.num(1));
  for (unsigned cap = 0; cap <= last; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) return ctx.fail("drop bounding capability", errno, std::to_string(cap));
  }
  return true;
}

// args: uid, gid, umask (-1 keeps it), set_groups (0/1), additional gids...
bool user(InitContext &ctx, const wire::Record &r) {
  uid_t uid = static_cast<uid_t>(r.num(0));
  gid_t gid = static_cast<gid_t>(r.num(1));
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return ctx.fail("keep capabilities", errno, "");
  if (r.num(3)) {
    std::vector<gid_t> groups;
    for (size_t i = 4; i < r.args.size(); i++) groups.push_back(static_cast<gid_t>(r.num(i)));
    // With setgroups denied (a rootless user namespace) an empty list is already the state.
    if (setgroups(groups.size(), groups.data()) < 0 && !(errno == EPERM && groups.empty())) return ctx.fail("setgroups", errno, "");
  }
  // As runc: the process's user owns its pty (the group stays the devpts mount's). EINVAL/EPERM:
  // the uid or the pty's owner is not mapped in a user namespace, so it stays as it is.
  if (ctx.has_console && fchown(0, uid, static_cast<gid_t>(-1)) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
    return ctx.fail("chown console", errno, "");
  if (setresgid(gid, gid, gid) < 0) return ctx.fail("setgid", errno, std::to_string(gid));
  if (setresuid(uid, uid, uid) < 0) return ctx.fail("setuid", errno, std::to_string(uid));
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return ctx.fail("keep capabilities", errno, "");
  if (r.snum(2) >= 0) umask(static_cast<mode_t>(r.snum(2)));
  return true;
}

// args: effective, permitted, inheritable, ambient (u64 masks), last_cap
bool caps(InitContext &ctx, const wire::Record &r) {
  uint64_t eff = r.num(0), perm = r.num(1), inh = r.num(2), amb = r.num(3);
  unsigned last = static_cast<unsigned>(r.num(4));
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  data[0].effective = static_cast<uint32_t>(eff);
  data[1].effective = static_cast<uint32_t>(eff >> 32);
  data[0].permitted = static_cast<uint32_t>(perm);
  data[1].permitted = static_cast<uint32_t>(perm >> 32);
  data[0].inheritable = static_cast<uint32_t>(inh);
  data[1].inheritable = static_cast<uint32_t>(inh >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0) return ctx.fail("set capabilities", errno, "");
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  // An ambient cap must also be permitted and inheritable; like runc, one that is not is
  // skipped rather than failing the container.
  for (unsigned cap = 0; cap <= last; cap++)
    if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM)
      return ctx.fail("raise ambient capability", errno, std::to_string(cap));
  return true;
}

// args: cwd, early. As runc: the early attempt (before the identity switch) may reach a cwd only
// the runtime can; if it is refused, the one after the switch decides.
bool chdir(InitContext &ctx, const wire::Record &r) {
  const std::string &cwd = r.args.at(0);
  bool early = r.args.size() > 1 && r.num(1) != 0;
  if (!early && ctx.cwd_reached) return true;
  if (::chdir(cwd.c_str()) < 0) {
    if (early && (errno == EACCES || errno == EPERM)) return true;
    return ctx.fail("chdir to cwd", errno, cwd);
  }
  ctx.cwd_reached = early;
  // A cwd reached through a leaked fd lies outside the root: getcwd says "(unreachable)".
  char buf[4096];
  if (!getcwd(buf, sizeof buf) || buf[0] != '/') return ctx.fail("chdir to cwd", ENOENT, cwd + " (outside the container root)");
  return true;
}

// args: PATH, argv0
bool check_exec(InitContext &ctx, const wire::Record &r) {
  int err = 0;
  if (!find_executable(r.args.at(0), r.args.at(1), ctx.exec_path, err))
    return ctx.fail("exec", err, r.args[1]);
  return true;
}

// args: flags, bpf program bytes (struct sock_filter array), notify
bool seccomp(InitContext &ctx, const wire::Record &r) {
  const std::string &bytes = r.args.at(1);
  struct sock_fprog prog;
  prog.len = static_cast<unsigned short>(bytes.size() / sizeof(struct sock_filter));
  prog.filter = reinterpret_cast<struct sock_filter *>(const_cast<char *>(bytes.data()));
  long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, static_cast<unsigned>(r.num(0)), &prog);
  if (listener < 0) return ctx.fail("load seccomp filter", errno, "");
  if (r.num(2) == 0) return true;
  // SCMP_ACT_NOTIFY: the runtime hands the listener fd to the agent and answers once the agent
  // holds it; until then only sendmsg and recvfrom run under the filter (the planner refuses
  // profiles that notify those two).
  int fd = static_cast<int>(listener);
  std::vector<wire::Record> reply;
  bool sent = sync_channel::send_fd(ctx.sync_fd, ops::MSG_SECCOMP_FD, fd);
  int saved = errno;
  close(fd);
  if (!sent) return ctx.fail("send seccomp listener fd", saved, "");
  if (!sync_channel::receive(ctx.sync_fd, reply) || reply.empty()) return ctx.fail("wait for seccomp agent", errno ? errno : EPIPE, "");
  if (reply[0].op != ops::MSG_CONTINUE) return ctx.fail("seccomp agent", 0, reply[0].args.empty() ? "aborted" : reply[0].args[0]);
  return true;
}

// args: argc, args..., env...
bool exec(InitContext &ctx, const wire::Record &r) {
  size_t argc = r.num(0);
  std::vector<char *> argv = c_strings(r.args, 1, argc);
  std::vector<char *> envp = c_strings(r.args, 1 + argc, r.args.size() - 1 - argc);
  execve(ctx.exec_path.c_str(), argv.data(), envp.data());
  return ctx.fail("exec", errno, argc ? r.args[1] : "");
}

bool keyring(InitContext &ctx, const wire::Record &r) {
  const int KEYCTL_JOIN_SESSION_KEYRING = 1;
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, r.args.at(0).c_str()) < 0 && errno != ENOSYS)
    return ctx.fail("join session keyring", errno, r.args[0]);
  return true;
}

bool personality(InitContext &ctx, const wire::Record &r) {
  if (::personality(static_cast<unsigned long>(r.num(0))) < 0) return ctx.fail("set personality", errno, r.args[0]);
  return true;
}

}  // namespace handlers

namespace handlers {

bool unshare(InitContext &ctx, const wire::Record &r) {
  if (::unshare(static_cast<int>(r.num(0))) < 0) return ctx.fail("unshare", errno, r.args[0]);
  return true;
}

}  // namespace handlers

namespace handlers {

// After clone(CLONE_NEWUSER) the init keeps the parent's host ids, unmapped in its namespace;
// once the parent wrote the maps it takes the namespace's root ids, as runc's nsexec does.
bool become_root(InitContext &ctx, const wire::Record &) {
  if (setresgid(0, 0, 0) < 0) return ctx.fail("setgid in user namespace", errno, "0");
  if (setresuid(0, 0, 0) < 0) return ctx.fail("setuid in user namespace", errno, "0");
  if (setgroups(0, nullptr) < 0 && errno != EPERM) return ctx.fail("setgroups in user namespace", errno, "");
  return true;
}

}  // namespace handlers

namespace handlers {

// process.scheduler: sched_setattr has no glibc wrapper; the struct is the kernel's.
bool scheduler(InitContext &ctx, const wire::Record &r) {
  struct {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
  } attr = {};
  attr.size = sizeof attr;
  attr.sched_policy = static_cast<uint32_t>(r.num(0));
  attr.sched_nice = static_cast<int32_t>(r.snum(1));
  attr.sched_priority = static_cast<uint32_t>(r.num(2));
  attr.sched_flags = r.num(3);
  attr.sched_runtime = r.num(4);
  attr.sched_deadline = r.num(5);
  attr.sched_period = r.num(6);
  if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) return ctx.fail("set scheduler", errno, "policy " + r.args[0]);
  return true;
}

bool io_priority(InitContext &ctx, const wire::Record &r) {
  const int IOPRIO_WHO_PROCESS = 1;
  if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, static_cast<int>(r.num(0))) < 0) return ctx.fail("set io priority", errno, r.args[0]);
  return true;
}

}  // namespace handlers
