// The container init: waits for the parent's GO, then walks the plan op by op. The first
// failure is sent to the parent as {step, errno, detail} and the init exits.
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/ops.h"
#include "init/child.h"
#include "init/handlers.h"
#include "init/sync.h"

namespace handlers {

bool parent_hooks(InitContext &ctx, const wire::Record &) {
  std::vector<wire::Record> reply;
  if (!sync_channel::send(ctx.sync_fd, ops::MSG_HOOKS) || !sync_channel::receive(ctx.sync_fd, reply) || reply.empty())
    return ctx.fail("wait for parent hooks", errno ? errno : EPIPE, "");
  if (reply[0].op != ops::MSG_CONTINUE) return ctx.fail("parent hooks", 0, reply[0].args.empty() ? "aborted" : reply[0].args[0]);
  return true;
}

bool ready(InitContext &ctx, const wire::Record &) {
  if (!sync_channel::send(ctx.sync_fd, ops::MSG_READY)) return ctx.fail("report ready", errno, "");
  ctx.ready_sent = true;
  return true;
}

// Blocks until `runts start` writes to the exec fifo. The runtime opened the fifo read-write
// before the init started, so no reopen through /proc/self/fd is needed: that reopen is
// refused once the init runs as another user or as a user namespace's root.
bool exec_fifo(InitContext &ctx, const wire::Record &r) {
  int fd = static_cast<int>(r.num(0));
  char byte;
  ssize_t n;
  do n = read(fd, &byte, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) return ctx.fail("wait on exec fifo", n < 0 ? errno : EPIPE, "exec.fifo");
  close(fd);
  return true;
}

Handler lookup(uint32_t op) {
  switch (op) {
    case ops::HOSTNAME: return hostname;
    case ops::DOMAINNAME: return domainname;
    case ops::ROOT_PROPAGATION: return root_propagation;
    case ops::BIND_ROOTFS: return bind_rootfs;
    case ops::MOUNT: return mount;
    case ops::MKNOD: return mknod;
    case ops::SYMLINK: return symlink;
    case ops::PARENT_HOOKS: return parent_hooks;
    case ops::HOOK: return hook;
    case ops::PIVOT_ROOT: return pivot_root;
    case ops::CHROOT: return chroot;
    case ops::MASK: return mask;
    case ops::READONLY: return readonly;
    case ops::ROOT_READONLY: return root_readonly;
    case ops::SYSCTL: return sysctl;
    case ops::RLIMIT: return rlimit;
    case ops::CONSOLE: return console;
    case ops::NO_NEW_PRIVS: return no_new_privs;
    case ops::CLOSE_FDS: return close_fds;
    case ops::BOUNDING_CAPS: return bounding_caps;
    case ops::USER: return user;
    case ops::CAPS: return caps;
    case ops::CHDIR: return chdir;
    case ops::CHECK_EXEC: return check_exec;
    case ops::SECCOMP: return seccomp;
    case ops::READY: return ready;
    case ops::EXEC_FIFO: return exec_fifo;
    case ops::EXEC: return exec;
    case ops::SETSID: return setsid;
    case ops::KEYRING: return keyring;
    case ops::PERSONALITY: return personality;
    case ops::UNSHARE: return unshare;
    case ops::BECOME_ROOT: return become_root;
    case ops::SCHEDULER: return scheduler;
    case ops::IO_PRIORITY: return io_priority;
    default: return nullptr;
  }
}

}  // namespace handlers

[[noreturn]] static void die(InitContext &ctx) {
  const Failure &f = ctx.failure;
  if (ctx.ready_sent) {
    // The runtime left at READY (create returned): the container's stderr is the one place
    // left to say why it stops, as runc's init logs there.
    std::string line = "runts-init: " + f.step + (f.detail.empty() ? "" : " " + f.detail) + (f.err ? std::string(": ") + strerror(f.err) : "") + "\n";
    ssize_t ignored = write(2, line.data(), line.size());
    (void)ignored;
  } else {
    sync_channel::send(ctx.sync_fd, ops::MSG_ERROR, {f.step, std::to_string(f.err), f.detail});
  }
  _exit(f.step == "exec" ? (f.err == ENOENT ? 127 : 126) : 1);
}

void run_container_init(int sync_fd, const std::vector<wire::Record> &plan, const std::vector<int> &idmapped_trees) {
  InitContext ctx;
  ctx.sync_fd = sync_fd;
  ctx.idmapped_trees = idmapped_trees;
  std::vector<wire::Record> go;
  if (!sync_channel::receive(sync_fd, go) || go.empty() || go[0].op != ops::MSG_GO) _exit(1);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ctx.state_json = go[0].args.empty() ? "" : go[0].args[0];
  ctx.creating_state_json = go[0].args.size() > 1 ? go[0].args[1] : ctx.state_json;
  for (const wire::Record &rec : plan) {
    if (rec.op < ops::HOSTNAME) continue;  // stage-1 ops were done before clone
    handlers::Handler h = handlers::lookup(rec.op);
    if (!h) {
      ctx.fail("plan", EINVAL, "unknown op " + std::to_string(rec.op));
      die(ctx);
    }
    errno = 0;
    if (!h(ctx, rec)) die(ctx);
  }
  ctx.fail("plan", EINVAL, "plan ended without exec");
  die(ctx);
}
