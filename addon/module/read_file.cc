#include "module/read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

bool read_file(const char *path, std::string &into) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[65536];
  bool ok = true;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    into.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return ok;
}
