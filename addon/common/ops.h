// Op codes of the launch plan and of the parent<->init sync messages. The TypeScript planner
// (src/runtime/plan/ops.ts) mirrors these numbers; keep both in step.
#pragma once
#include <cstdint>

namespace ops {

enum Plan : uint32_t {
  // stage 1 (runts-init before clone)
  NS_JOIN = 1,        // type-flag, path
  CLONE = 2,          // clone flags for new namespaces
  TIME_OFFSETS = 3,   // monotonic_s, monotonic_ns, boottime_s, boottime_ns
  IDMAP_TREE = 4,     // index, source, recursive bind, recursive idmap, uid_map text, gid_map text
  // container init, in plan order
  HOSTNAME = 10,      // name
  DOMAINNAME = 11,    // name
  ROOT_PROPAGATION = 12,  // mount flags for "/" (MS_SLAVE|MS_REC ...)
  BIND_ROOTFS = 13,   // host rootfs path, propagation for the mount holding it, bind it (0/1)
  MOUNT = 14,         // source, dest, fstype, flags, data, propagation, kind, attrs, attrs_recursive, refuse_symlink,
                      // idmapped tree index (-1: none)
  MKNOD = 15,         // dest, mode(with type bits), major, minor, uid, gid
  SYMLINK = 16,       // target, dest
  PARENT_HOOKS = 17,  // pause: parent runs prestart + createRuntime hooks
  HOOK = 18,          // path, timeout_s, argc, args..., env...
  PIVOT_ROOT = 19,
  CHROOT = 20,        // --no-pivot: MS_MOVE the rootfs onto / and chroot; or chroot into a path
  MASK = 21,          // path
  READONLY = 22,      // path
  ROOT_READONLY = 23,
  SYSCTL = 24,        // key, value
  RLIMIT = 25,        // resource, soft, hard
  CONSOLE = 26,       // console socket fd, rows, cols
  NO_NEW_PRIVS = 27,
  CLOSE_FDS = 28,     // first fd to mark close-on-exec
  BOUNDING_CAPS = 29, // mask
  USER = 30,          // uid, gid, umask(-1 none), additional gids...
  CAPS = 31,          // effective, permitted, inheritable, ambient masks
  CHDIR = 32,         // cwd
  CHECK_EXEC = 33,    // PATH value, argv0
  SECCOMP = 34,       // flags, bpf bytes, notify (1: hand the listener fd to the parent)
  READY = 35,
  EXEC_FIFO = 36,     // fifo fd (read-write): block reading one byte
  EXEC = 37,          // PATH value, argc, args..., env...
  SETSID = 39,
  KEYRING = 41,       // new session keyring name
  PERSONALITY = 42,   // domain
  UNSHARE = 43,       // flags (cgroup namespace: after the parent placed us in our cgroup)
  BECOME_ROOT = 44,   // in a new user namespace, once mapped: become its uid/gid 0
  SCHEDULER = 45,     // policy, nice, priority, flags, runtime, deadline, period (sched_setattr)
  IO_PRIORITY = 46,   // ioprio value ((class << 13) | level)
};

enum Sync : uint32_t {
  MSG_PID = 100,       // init -> parent: host pid of the container init
  MSG_GO = 101,        // parent -> init: maps written, cgroups joined. arg: state JSON
  MSG_HOOKS = 102,     // init -> parent: run prestart/createRuntime hooks now
  MSG_CONTINUE = 103,  // parent -> init: hooks done
  MSG_READY = 104,     // init -> parent: waiting on the exec fifo
  MSG_ERROR = 105,     // init -> parent: step, errno, detail
  MSG_SECCOMP_FD = 106,  // init -> parent: the seccomp notify fd (SCM_RIGHTS); parent answers CONTINUE or ERROR
};

}  // namespace ops
