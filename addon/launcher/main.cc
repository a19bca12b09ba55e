// containerd-shim-runts-v2's executable (bin/containerd-shim-runts-v2 links here). It decides
// nothing: the shim is TypeScript (src/shim/main.ts), started with ONE Node start-up.
// - `delete` whose answer the shim recorded in the bundle (src/shim/delete-response.ts): that file
//   goes to stdout, with no Node start-up at all.
// - `start` whose group's shim is listening already (group_join.cc): its address, without Node.
// - `start` otherwise, when a standby shim of this context listens (standby.cc): it takes the
//   call, with our pipes below as its stdout and stderr, so no Node starts for it.
// - `start` otherwise: containerd waits for us to EXIT and reads our output as the shim's address, while the
//   Node we start may become the long-lived shim. So Node runs in its own session with stdout and
//   stderr on pipes to us; it reports the address (or an error) there and lets go of them, and we
//   relay what it said: an address on stdout alone is success, anything on stderr is failure.
// - anything else: Node in our place.
// Node starts from the shim's startup snapshot (scripts/build-snapshots.js) when that is newer
// than dist/ and the runtime, else loads the entry's modules and is told why.
#include <fcntl.h>
#include <sys/stat.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "standby/handoff.h"
#include "group_join.h"
#include "standby.h"

namespace {

const char kRecordedDelete[] = "runts-deleted.pb";
// The Node entry named like the shim (so ps and argv matching see the shim), relative to the
// checkout this executable was built in (build/Release/).
const char kNodeEntry[] = "/bin/node/containerd-shim-runts-v2";
// The Node runtime pinned in package.json (npm links whichever platform package it installed).
const char kPinnedNode[] = "/node_modules/.bin/node";
const char kNodeModulesBin[] = "/node_modules/.bin";
const char kSnapshot[] = "/dist/snapshot/containerd-shim-runts-v2.blob";
// Rewritten by every TypeScript build: a snapshot older than it is stale.
const char kBuiltShim[] = "/dist/shim/main.js";
const char kStartupNote[] = "RUNTS_STARTUP_NOTE";
// A standby still starting answers once its Node is up; one that does not in this long is stuck,
// and the start goes on without it.
const int kHandoffTimeoutMs = 2000;
// A long-lived shim's memory, per container unless grouped: it allocates little, so a small young
// generation; one V8 worker thread is plenty for its small heap (each further one costs ~0.5 MB:
// stack, malloc arena); and no JIT (~10 MB less resident, 3.5 MB less private): its work is
// syscalls and small messages, where the interpreter cost no measurable CPU; and no memory
// reducer, whose GC ~5 s after the last request freed nothing measurable (20 grouped sleepers,
// after 40 or 200 `ctr tasks ls`: the same anonymous memory) but mapped back 1.2 MB of Node's
// code the idle release had dropped.
// Not --no-rehash-snapshot, which bin/runts passes: strings would keep the hash seed drawn when
// the blob was built (readable by whoever can read the blob) instead of a new one per start,
// ~5 ms of a new shim's CPU (3%, medians of 48 alternating runs). The seed keeps keys crafted to
// collide from making hash tables quadratic, and the shim's keys are not only root's: through
// CRI, whoever may create a pod chooses annotations, which reach it in the bundle's config.json.
const char *const kNodeFlags[] = {"--max-semi-space-size=1", "--v8-pool-size=1", "--jitless", "--no-memory-reducer"};

bool write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

void fail(const std::string &message) {
  std::string line = "containerd-shim-runts-v2: " + message + "\n";
  write_all(2, line.data(), line.size());
  _exit(1);
}

// Copies the recorded DeleteResponse to stdout; false when there is none.
bool send_recorded_delete() {
  int fd = open(kRecordedDelete, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(std::string("read ") + kRecordedDelete + ": " + strerror(errno));
    if (n == 0) break;
    if (!write_all(1, buf, static_cast<size_t>(n))) fail(std::string("write delete response: ") + strerror(errno));
  }
  _exit(0);
}

// Modification time of a file; false when it cannot be read.
bool mtime_of(const std::string &file, struct timespec &at) {
  struct stat st;
  if (stat(file.c_str(), &st) != 0) return false;
  at = st.st_mtim;
  return true;
}

bool newer(const struct timespec &a, const struct timespec &b) {
  return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

// Whether the snapshot can start the shim; otherwise why not, in `why`.
bool snapshot_is_fresh(const std::string &checkout, std::string &why) {
  struct timespec blob, built, runtime;
  if (!mtime_of(checkout + kSnapshot, blob)) {
    why = "no startup snapshot, loading modules (" + checkout + kSnapshot + ")";
    return false;
  }
  if ((mtime_of(checkout + kBuiltShim, built) && !newer(blob, built)) || (mtime_of(checkout + kNodeModulesBin, runtime) && !newer(blob, runtime))) {
    why = "startup snapshot older than dist/ or the Node runtime, loading modules (" + checkout + kSnapshot + ")";
    return false;
  }
  return true;
}

struct NodeCommand {
  std::string node, snapshot, entry;  // own the strings args points into
  std::string code_file;  // the blob or the built entry: a standby's code
  std::vector<char *> args;  // Node's command line, nullptr-terminated
  size_t call_args_at;  // where the launcher's own args begin in it
};

// Node's command line for this call.
void node_argv(int argc, char **argv, NodeCommand &command) {
  std::string &node = command.node, &snapshot = command.snapshot, &entry = command.entry;
  char self[PATH_MAX];
  if (!realpath("/proc/self/exe", self)) fail(std::string("find own executable: ") + strerror(errno));
  std::string checkout(self);
  for (int up = 0; up < 3; up++) {  // the file, Release, build
    size_t slash = checkout.rfind('/');
    if (slash == std::string::npos) fail(std::string("no checkout above ") + self);
    checkout.erase(slash);
  }
  node = checkout + kPinnedNode;
  // argv[0] names the shim, so ps and argv matching see it whichever way Node starts
  std::vector<char *> &args = command.args;
  args = {const_cast<char *>("containerd-shim-runts-v2")};
  for (const char *flag : kNodeFlags) args.push_back(const_cast<char *>(flag));
  std::string why;
  if (snapshot_is_fresh(checkout, why)) {
    snapshot = checkout + kSnapshot;
    args.insert(args.end(), {const_cast<char *>("--snapshot-blob"), snapshot.data(), const_cast<char *>("--")});
    command.code_file = snapshot;
  } else {
    setenv(kStartupNote, why.c_str(), 1);
    entry = checkout + kNodeEntry;
    args.push_back(entry.data());
    command.code_file = checkout + kBuiltShim;
  }
  command.call_args_at = args.size();
  for (int i = 1; i < argc; i++) args.push_back(argv[i]);
  args.push_back(nullptr);
}

[[noreturn]] void exec_node(const std::string &node, std::vector<char *> &args) {
  execv(node.c_str(), args.data());
  fail("run " + node + ": " + strerror(errno));
  _exit(1);
}

// Reads both pipes to EOF, which Node reaches by reporting and letting go, or by exiting.
void drain(int out_fd, int err_fd, std::string &out, std::string &err) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string *into[2] = {&out, &err};
  int open_count = 2;
  char buf[4096];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fail(std::string("wait for node: ") + strerror(errno));
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !fds[i].revents) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        into[i]->append(buf, static_cast<size_t>(n));
        continue;
      }
      close(fds[i].fd);
      fds[i].fd = -1;
      open_count--;
    }
  }
}

// The connection to a standby that took the call, with our pipes' write ends as its stdout and
// stderr; -1 when none did. It stays open until we exit: a standby that finds its client gone
// right after answering takes it for one that gave up waiting, and does not run the call.
int handed_to_standby(int argc, char **argv, const StandbyPlace &standby, int out_fd, int err_fd) {
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return -1;
  const int fds[3] = {0, out_fd, err_fd};
  return hand_off(standby.socket, cwd, std::vector<std::string>(argv + 1, argv + argc), fds, kHandoffTimeoutMs);
}

[[noreturn]] void relay_start(int argc, char **argv, NodeCommand &command) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) fail(std::string("pipe: ") + strerror(errno));
  std::vector<char *> node_prefix(command.args.begin(), command.args.begin() + command.call_args_at);
  StandbyPlace standby;
  bool standbys = standby_place(argc, argv, command.node, node_prefix, command.code_file, standby);
  if (!standbys || handed_to_standby(argc, argv, standby, out[1], err[1]) < 0) {
    pid_t pid = fork();
    if (pid < 0) fail(std::string("fork: ") + strerror(errno));
    if (pid == 0) {
      // its own session: the long-lived shim must outlive containerd's process group
      setsid();
      if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) _exit(127);
      exec_node(command.node, command.args);
    }
  }
  close(out[1]);
  close(err[1]);
  if (standbys) start_next_standby(standby, command.node, node_prefix);
  std::string said, complained;
  drain(out[0], err[0], said, complained);
  write_all(1, said.data(), said.size());
  write_all(2, complained.data(), complained.size());
  if (!complained.empty()) _exit(1);
  if (said.empty()) fail("start: node exited without reporting the shim's address");
  _exit(0);
}

}  // namespace

int main(int argc, char **argv) {
  const char *action = argc > 1 ? argv[argc - 1] : "";
  if (strcmp(action, "delete") == 0) send_recorded_delete();
  if (strcmp(action, "start") == 0) join_running_group(argc, argv);
  NodeCommand command;
  node_argv(argc, argv, command);
  if (strcmp(action, "start") == 0) relay_start(argc, argv, command);
  exec_node(command.node, command.args);
}
