// Memory a long-lived process (the shim) hands back while it is idle: the malloc heap's free
// pages, and the page-table mappings of the read-only code and data of its executable and
// libraries. Start-up runs through tens of MB of the Node executable (and of libstdc++, libc)
// that an idle shim never touches again; the pages stay in the page cache (shared, and free for
// the next Node start), only this process stops mapping them, and whatever it runs later is
// mapped again by a minor fault.
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <uv.h>

#include <string>

#include "module/exports.h"
#include "module/read_file.h"

namespace {

// Only read-only mappings of files holding no anonymous (copy-on-write) page are dropped: their
// content is the file's, so dropping them loses nothing (a RELRO segment, written at load time,
// is kept).
void drop_code_mappings() {
  std::string smaps;
  read_file("/proc/self/smaps", smaps);
  bool candidate = false;
  unsigned long start = 0, end = 0, rss_kb = 0;
  size_t pos = 0;
  while (pos < smaps.size()) {
    size_t eol = smaps.find('\n', pos);
    if (eol == std::string::npos) eol = smaps.size();
    std::string line = smaps.substr(pos, eol - pos);
    pos = eol + 1;
    char perms[8] = "", path[PATH_MAX] = "";
    unsigned long a, b, kb;
    if (sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %*s %4095s", &a, &b, perms, path) >= 3) {
      candidate = path[0] == '/' && (strcmp(perms, "r-xp") == 0 || strcmp(perms, "r--p") == 0);
      start = a;
      end = b;
    } else if (candidate && sscanf(line.c_str(), "Rss: %lu kB", &kb) == 1) {
      rss_kb = kb;
    } else if (candidate && sscanf(line.c_str(), "Anonymous: %lu kB", &kb) == 1) {
      candidate = false;
      if (kb == 0 && rss_kb > 0) madvise(reinterpret_cast<void *>(start), end - start, MADV_DONTNEED);
    }
  }
}

uv_prepare_t *scheduled = nullptr;

}  // namespace

// releaseIdleMemory(): the release runs when the event loop next goes to sleep (a libuv prepare
// callback, just before it polls), not now: the JavaScript still to run in this loop turn (the
// caller's return, the timers' bookkeeping) would map back ~3 MB of the code just dropped.
Napi::Value ReleaseIdleMemory(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (scheduled) return env.Undefined();
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  scheduled = new uv_prepare_t;
  uv_prepare_init(loop, scheduled);
  uv_unref(reinterpret_cast<uv_handle_t *>(scheduled));
  uv_prepare_start(scheduled, [](uv_prepare_t *handle) {
    malloc_trim(0);
    drop_code_mappings();
    uv_prepare_stop(handle);
    uv_close(reinterpret_cast<uv_handle_t *>(handle), [](uv_handle_t *h) { delete reinterpret_cast<uv_prepare_t *>(h); });
    scheduled = nullptr;
  });
  return env.Undefined();
}
