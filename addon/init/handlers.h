// One function per plan op (addon/common/ops.h). Each returns false after ctx.fail(...).
#pragma once
#include "common/wire.h"
#include "init/context.h"

namespace handlers {
using Handler = bool (*)(InitContext &, const wire::Record &);

// mounts.cc
bool root_propagation(InitContext &, const wire::Record &);
bool bind_rootfs(InitContext &, const wire::Record &);
bool mount(InitContext &, const wire::Record &);
bool mknod(InitContext &, const wire::Record &);
bool symlink(InitContext &, const wire::Record &);
bool pivot_root(InitContext &, const wire::Record &);
bool chroot(InitContext &, const wire::Record &);
bool mask(InitContext &, const wire::Record &);
bool readonly(InitContext &, const wire::Record &);
bool root_readonly(InitContext &, const wire::Record &);
// process.cc
bool setsid(InitContext &, const wire::Record &);
bool hostname(InitContext &, const wire::Record &);
bool domainname(InitContext &, const wire::Record &);
bool sysctl(InitContext &, const wire::Record &);
bool rlimit(InitContext &, const wire::Record &);
bool no_new_privs(InitContext &, const wire::Record &);
bool close_fds(InitContext &, const wire::Record &);
bool bounding_caps(InitContext &, const wire::Record &);
bool user(InitContext &, const wire::Record &);
bool caps(InitContext &, const wire::Record &);
bool chdir(InitContext &, const wire::Record &);
bool check_exec(InitContext &, const wire::Record &);
bool seccomp(InitContext &, const wire::Record &);
bool exec(InitContext &, const wire::Record &);
bool keyring(InitContext &, const wire::Record &);
bool personality(InitContext &, const wire::Record &);
bool unshare(InitContext &, const wire::Record &);
bool become_root(InitContext &, const wire::Record &);
bool scheduler(InitContext &, const wire::Record &);
bool io_priority(InitContext &, const wire::Record &);
// console.cc
bool console(InitContext &, const wire::Record &);
// hooks.cc
bool hook(InitContext &, const wire::Record &);
// child.cc (talk to the parent)
bool parent_hooks(InitContext &, const wire::Record &);
bool ready(InitContext &, const wire::Record &);
bool exec_fifo(InitContext &, const wire::Record &);

Handler lookup(uint32_t op);
}  // namespace handlers
