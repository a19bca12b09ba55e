// process.terminal: a pty from the container's own devpts; the master goes to the
// --console-socket (SCM_RIGHTS, the pty name as data, as runc sends it); the peer becomes stdio.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd_passing.h"
#include "init/handlers.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static bool send_fd(int sock, int fd, const std::string &name) {
  return send_with_fd(sock, name.data(), name.size(), fd) >= 0;
}

namespace handlers {

// args: console socket fd, rows, cols
bool console(InitContext &ctx, const wire::Record &r) {
  int sock = static_cast<int>(r.num(0));
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return ctx.fail("open console", errno, "/dev/ptmx");
  int unlock = 0, index = -1;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &index) < 0)
    return ctx.fail("set up console", errno, "/dev/ptmx");
  // TIOCGPTPEER opens the peer through the master, never through a /dev/pts path an image
  // could have replaced with a symlink (CVE-2025-52565).
  int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (peer < 0) return ctx.fail("open console peer", errno, "/dev/ptmx");
  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(r.num(1));
  ws.ws_col = static_cast<unsigned short>(r.num(2));
  if ((ws.ws_row || ws.ws_col) && ioctl(peer, TIOCSWINSZ, &ws) < 0) return ctx.fail("set console size", errno, "");
  std::string name = "/dev/pts/" + std::to_string(index);
  if (!send_fd(sock, master, name)) return ctx.fail("send console to --console-socket", errno, "");
  close(master);
  close(sock);
  if (ioctl(peer, TIOCSCTTY, 0) < 0) return ctx.fail("set controlling terminal", errno, name);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(peer, fd) < 0) return ctx.fail("dup console", errno, name);
  if (peer > 2) close(peer);
  ctx.has_console = true;
  return true;
}

}  // namespace handlers
