// Mirrors addon/common/ops.h: the op codes of the launch plan and the sync messages.
export const Op = {
  NS_JOIN: 1,
  CLONE: 2,
  TIME_OFFSETS: 3,
  IDMAP_TREE: 4,
  HOSTNAME: 10,
  DOMAINNAME: 11,
  ROOT_PROPAGATION: 12,
  BIND_ROOTFS: 13,
  MOUNT: 14,
  MKNOD: 15,
  SYMLINK: 16,
  PARENT_HOOKS: 17,
  HOOK: 18,
  PIVOT_ROOT: 19,
  CHROOT: 20,
  MASK: 21,
  READONLY: 22,
  ROOT_READONLY: 23,
  SYSCTL: 24,
  RLIMIT: 25,
  CONSOLE: 26,
  NO_NEW_PRIVS: 27,
  CLOSE_FDS: 28,
  BOUNDING_CAPS: 29,
  USER: 30,
  CAPS: 31,
  CHDIR: 32,
  CHECK_EXEC: 33,
  SECCOMP: 34,
  READY: 35,
  EXEC_FIFO: 36,
  EXEC: 37,
  SETSID: 39,
  KEYRING: 41,
  PERSONALITY: 42,
  UNSHARE: 43,
  BECOME_ROOT: 44,
  SCHEDULER: 45,
  IO_PRIORITY: 46,
} as const;

export const Msg = {
  PID: 100,
  GO: 101,
  HOOKS: 102,
  CONTINUE: 103,
  READY: 104,
  ERROR: 105,
  SECCOMP_FD: 106,
} as const;

export type Arg = string | number | bigint | Buffer;
export interface PlanRecord {
  op: number;
  args: Arg[];
}
