#include "standby/wish.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>

#include "common/sha256.h"
#include "standby/handoff.h"

extern char **environ;

namespace {

const char kMagic[] = "runts standby wish 2";

std::string wish_path(const std::string &dir, const std::string &shared) { return dir + '/' + sha256_hex("wish\n" + shared) + ".wish"; }

// The fields of a wish: NUL-terminated strings.
std::vector<std::string> fields_of(const std::string &text) {
  std::vector<std::string> fields;
  size_t at = 0;
  for (size_t end; (end = text.find('\0', at)) != std::string::npos; at = end + 1) fields.push_back(text.substr(at, end - at));
  return fields;
}

// Our own file only: a regular file of our uid that nobody else can write.
std::string read_own_file(const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return "";
  struct stat st;
  std::string text;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 022) == 0 && st.st_size < (1 << 20)) {
    char buf[8192];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

}  // namespace

void leave_wish(const std::string &dir, const std::string &shared, const std::string &socket_path, const std::string &marker, const std::vector<std::string> &argv) {
  SignalMasks masks = signal_masks();
  char signals[48];
  snprintf(signals, sizeof signals, "%" PRIx64 " %" PRIx64, masks.blocked, masks.ignored);
  std::string text = std::string(kMagic) + '\0' + socket_path + '\0' + marker + '\0' + signals + '\0' + std::to_string(argv.size()) + '\0';
  for (const std::string &a : argv) text += a + '\0';
  for (char **e = environ; *e; e++) text += std::string(*e) + '\0';
  std::string path = wish_path(dir, shared), temp = path + '.' + std::to_string(getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!written || rename(temp.c_str(), path.c_str()) != 0) unlink(temp.c_str());
}

void grant_wish(const std::string &dir, const std::string &shared) {
  std::string path = wish_path(dir, shared);
  std::vector<std::string> fields = fields_of(read_own_file(path));
  // magic, socket, marker, blocked and ignored signals, argc, argv..., environment...
  if (fields.size() < 6 || fields[0] != kMagic) return;
  const std::string &socket_path = fields[1], &marker = fields[2];
  size_t argc = strtoul(fields[4].c_str(), nullptr, 10);
  if (argc == 0 || fields.size() < 5 + argc) return;
  if (!marked_within_lifetime(marker)) {
    unlink(path.c_str());
    return;
  }
  // a standby is waiting (one that took a call or ended removed its name; connecting to find out
  // would make it give up its wait)
  if (access(socket_path.c_str(), F_OK) == 0) return;
  StandbyOrigin origin;
  char *ignored;
  origin.signals.blocked = strtoull(fields[3].c_str(), &ignored, 16);
  origin.signals.ignored = strtoull(ignored, nullptr, 16);
  origin.environment.assign(fields.begin() + static_cast<long>(5 + argc), fields.end());
  std::vector<const char *> argv;
  for (size_t i = 0; i < argc; i++) argv.push_back(fields[5 + i].c_str());
  spawn_standby(socket_path, argv[0], argv, &origin);
}
