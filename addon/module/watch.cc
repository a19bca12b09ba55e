// Waiting on the libuv loop: an fd becoming readable, or a process exiting (pidfd), so no
// thread ever blocks on a container and no SIGCHLD race decides who reaps whom.
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <map>
#include <memory>

#include "module/errors.h"
#include "module/exports.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace {

struct Watch {
  uv_poll_t poll;
  napi_env env;
  Napi::FunctionReference callback;
  int id;
  int pidfd = -1;  // owned when watching an exit
};

std::map<int, Watch *> watches;
int next_id = 1;

void finish(Watch *w) {
  watches.erase(w->id);
  uv_poll_stop(&w->poll);
  uv_close(reinterpret_cast<uv_handle_t *>(&w->poll), [](uv_handle_t *h) {
    Watch *w = static_cast<Watch *>(h->data);
    if (w->pidfd >= 0) close(w->pidfd);
    delete w;
  });
}

void call(Watch *w, std::initializer_list<napi_value> args) {
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  Napi::FunctionReference cb = std::move(w->callback);
  finish(w);
  cb.MakeCallback(env.Global(), args);
}

Watch *start(Napi::Env env, int fd, Napi::Function cb, uv_poll_cb on_event, int pidfd) {
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  Watch *w = new Watch();
  w->env = env;
  w->callback = Napi::Persistent(cb);
  w->id = next_id++;
  w->pidfd = pidfd;
  w->poll.data = w;
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc == 0) rc = uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, on_event);
  if (rc != 0) {
    delete w;
    throw_errno(env, "watch fd " + std::to_string(fd), -rc);
    return nullptr;
  }
  watches[w->id] = w;
  return w;
}

}  // namespace

// waitReadable(fd, cb(errMessage|null)): id. Fires once.
Napi::Value WaitReadable(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Watch *w = start(env, fd, info[1].As<Napi::Function>(), [](uv_poll_t *p, int status, int) {
    Watch *w = static_cast<Watch *>(p->data);
    Napi::Env env(w->env);
    call(w, {status < 0 ? Napi::String::New(env, uv_strerror(status)) : env.Null()});
  }, -1);
  return w ? Napi::Number::New(env, w->id) : env.Undefined();
}

// waitExit(pid, cb({code, signal} | {code:null, signal:null} when not our child)): id.
Napi::Value WaitExit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return throw_errno(env, "pidfd_open " + std::to_string(pid), errno);
  Watch *w = start(env, pidfd, info[1].As<Napi::Function>(), [](uv_poll_t *p, int, int) {
    Watch *w = static_cast<Watch *>(p->data);
    Napi::Env env(w->env);
    siginfo_t si = {};
    int rc;
    do rc = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(w->pidfd), &si, WEXITED);
    while (rc < 0 && errno == EINTR);
    Napi::HandleScope scope(env);
    Napi::Object result = Napi::Object::New(env);
    bool reaped = rc == 0;
    result.Set("code", reaped && si.si_code == CLD_EXITED ? Napi::Number::New(env, si.si_status) : env.Null());
    result.Set("signal", reaped && si.si_code != CLD_EXITED ? Napi::Number::New(env, si.si_status) : env.Null());
    call(w, {result});
  }, pidfd);
  if (!w) close(pidfd);
  return w ? Napi::Number::New(env, w->id) : env.Undefined();
}

// cancelWait(id): stops a pending wait; its callback is never called.
Napi::Value CancelWait(const Napi::CallbackInfo &info) {
  auto it = watches.find(info[0].As<Napi::Number>().Int32Value());
  if (it != watches.end()) {
    it->second->callback.Reset();
    finish(it->second);
  }
  return info.Env().Undefined();
}
