// An fd that becomes readable when a memory cgroup may have had an OOM kill, so the shim waits
// for OOM events on its loop instead of reading every container's counter on a timer (runc's
// notify_linux.go does the same): cgroup v1 signals an eventfd registered for memory.oom_control
// through cgroup.event_control (also when the cgroup is removed); v2 reports every change of
// memory.events to inotify.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "module/errors.h"
#include "module/exports.h"

namespace {

// The v1 registration: "<eventfd> <memory.oom_control fd>" written to cgroup.event_control.
int register_oom_eventfd(const std::string &dir, std::string &failed) {
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) {
    failed = "eventfd";
    return -1;
  }
  int control = open((dir + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC);
  int events = control < 0 ? -1 : open((dir + "/cgroup.event_control").c_str(), O_WRONLY | O_CLOEXEC);
  std::string line = std::to_string(efd) + " " + std::to_string(control);
  bool ok = events >= 0 && write(events, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  int err = errno;
  if (!ok) failed = control < 0 ? dir + "/memory.oom_control" : dir + "/cgroup.event_control";
  if (events >= 0) close(events);
  if (control >= 0) close(control);
  if (ok) return efd;
  close(efd);
  errno = err;
  return -1;
}

int watch_memory_events(const std::string &dir, std::string &failed) {
  int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) {
    failed = "inotify_init1";
    return -1;
  }
  if (inotify_add_watch(fd, (dir + "/memory.events").c_str(), IN_MODIFY) < 0) {
    int err = errno;
    close(fd);
    errno = err;
    failed = dir + "/memory.events";
    return -1;
  }
  return fd;
}

}  // namespace

// oomNotifier(cgroupDir, v1): a non-blocking fd, readable after a possible OOM kill in the
// memory cgroup at cgroupDir (v1: its memory controller's directory); drainFd empties it.
Napi::Value OomNotifier(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  std::string failed;
  int fd = info[1].As<Napi::Boolean>().Value() ? register_oom_eventfd(dir, failed) : watch_memory_events(dir, failed);
  if (fd < 0) return throw_errno(env, "OOM notification: " + failed, errno);
  return Napi::Number::New(env, fd);
}

// drainFd(fd): reads a non-blocking fd until nothing is left (an eventfd's count, inotify events).
Napi::Value DrainFd(const Napi::CallbackInfo &info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  return info.Env().Undefined();
}
