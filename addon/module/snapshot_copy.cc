// Node keeps a private copy of the V8 startup snapshot it started from (the blob minus its own
// header, 4-5 MB for the shim) in an anonymous mapping for the life of the process, though V8
// reads it again only to create a new context. mapSnapshotCopy finds that mapping by its
// content, puts the same bytes in a file once (written aside and renamed, so a mapped file is
// never changed), maps the file over it (MAP_PRIVATE|MAP_FIXED: the bytes stay the same) and
// drops the pages: the process keeps the same memory content, now backed by the page cache
// (shared by every shim, reclaimable) instead of its own private memory.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "module/exports.h"
#include "module/read_file.h"

namespace {

// A file mapped read-only (page cache, no private memory); empty when it cannot be.
struct MappedFile {
  const char *data = nullptr;
  size_t size = 0;
  explicit MappedFile(const std::string &path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
      void *view = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (view != MAP_FAILED) {
        data = static_cast<const char *>(view);
        size = static_cast<size_t>(st.st_size);
      }
    }
    close(fd);
  }
  ~MappedFile() {
    if (data) munmap(const_cast<char *>(data), size);
  }
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
};

bool write_file(const std::string &path, const char *data, size_t len) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = true;
  while (ok && len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    else {
      data += n;
      len -= static_cast<size_t>(n);
    }
  }
  return close(fd) == 0 && ok;
}

const size_t kPage = 4096;
// malloc's header before an mmapped chunk's bytes
const size_t kChunkHeader = 16;

// Where in [a, b) Node's copy of the blob lies, as whole pages holding nothing else: the
// blob's V8 part (Node's header comes before it in the file, Node's own data after it) right
// after malloc's chunk header at a page start, then only the zeros that fill its last page.
bool find_copy(const char *a, const char *b, const MappedFile &blob, const char *&from, const char *&to) {
  const size_t probe = blob.size / 2, probe_len = 4096;
  for (const char *at = a; at < b;) {
    const char *hit = static_cast<const char *>(memmem(at, static_cast<size_t>(b - at), blob.data + probe, probe_len));
    if (!hit) return false;
    at = hit + 1;
    // hit holds blob[probe]; the copy starts with blob[shift] one chunk header after a page start
    uintptr_t header_start = reinterpret_cast<uintptr_t>(hit) - probe - kChunkHeader;
    size_t shift = (kPage - header_start % kPage) % kPage;
    const char *copy = hit - probe + shift;
    if (shift >= probe || copy - kChunkHeader < a) continue;
    size_t end = 0;
    while (copy + end < b && shift + end < blob.size && copy[end] == blob.data[shift + end]) end++;
    if (copy + end < hit + probe_len) continue;
    const char *last = copy + end;
    const char *page_end = reinterpret_cast<const char *>((reinterpret_cast<uintptr_t>(last) + kPage - 1) / kPage * kPage);
    if (page_end > b) continue;
    const char *p = last;
    while (p < page_end && *p == 0) p++;
    if (p < page_end) continue;
    from = copy - kChunkHeader;
    to = page_end;
    return true;
  }
  return false;
}

}  // namespace

// mapSnapshotCopy(blobPath, copyPath): kB of private memory handed to the page cache; 0 when
// Node holds no copy of that blob (or the copy file cannot be written).
Napi::Value MapSnapshotCopy(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string blob_path = info[0].As<Napi::String>().Utf8Value();
  std::string copy_path = info[1].As<Napi::String>().Utf8Value();
  MappedFile blob(blob_path);
  std::string maps;
  if (blob.size < 65536 || !read_file("/proc/self/maps", maps)) return Napi::Number::New(env, 0);
  size_t pos = 0;
  while (pos < maps.size()) {
    size_t eol = maps.find('\n', pos);
    if (eol == std::string::npos) eol = maps.size();
    std::string line = maps.substr(pos, eol - pos);
    pos = eol + 1;
    unsigned long a, b, inode;
    char perms[8];
    int path_at = 0;
    if (sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %lu %n", &a, &b, perms, &inode, &path_at) < 4) continue;
    // anonymous, private, writable, no name (the kernel may have merged it with its neighbours)
    if (inode != 0 || strcmp(perms, "rw-p") != 0 || (path_at > 0 && static_cast<size_t>(path_at) < line.size()) || b - a < blob.size / 2) continue;
    const char *start, *stop;
    if (!find_copy(reinterpret_cast<const char *>(a), reinterpret_cast<const char *>(b), blob, start, stop)) continue;
    size_t len = static_cast<size_t>(stop - start);
    bool same;
    {
      MappedFile existing(copy_path);
      same = existing.size == len && memcmp(existing.data, start, len) == 0;
    }
    if (!same) {
      std::string aside = copy_path + "." + std::to_string(getpid());
      if (!write_file(aside, start, len) || rename(aside.c_str(), copy_path.c_str()) != 0) {
        unlink(aside.c_str());
        return Napi::Number::New(env, 0);
      }
    }
    int fd = open(copy_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Napi::Number::New(env, 0);
    struct stat st;
    // the file read or written above, unless it was replaced meanwhile by other bytes
    bool unchanged = fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) == len;
    if (unchanged) {
      void *view = mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
      unchanged = view != MAP_FAILED && memcmp(view, start, len) == 0;
      if (view != MAP_FAILED) munmap(view, len);
    }
    void *over = unchanged ? mmap(const_cast<char *>(start), len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) : MAP_FAILED;
    close(fd);
    if (over == MAP_FAILED) return Napi::Number::New(env, 0);
    madvise(over, len, MADV_DONTNEED);
    return Napi::Number::New(env, static_cast<double>(len / 1024));
  }
  return Napi::Number::New(env, 0);
}
