// runts-pause: the process a pod sandbox's namespaces hang on. It does nothing but wait: every
// child it inherits (as the pod's pid 1 when containers share its pid namespace) is reaped, and
// SIGINT/SIGTERM end it. Linked statically so the sandbox image is this one file.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

void on_terminate(int) { _exit(0); }

void on_child(int) {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

bool handle(int signo, void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  return sigaction(signo, &action, nullptr) == 0;
}

}  // namespace

int main(int argc, char **) {
  if (argc > 1) {
    static const char usage[] = "runts-pause takes no arguments: it waits for signals and reaps children\n";
    (void)!write(2, usage, sizeof usage - 1);
    return 1;
  }
  if (getpid() != 1) {
    static const char warning[] = "runts-pause: warning: not running as pid 1\n";
    (void)!write(2, warning, sizeof warning - 1);
  }
  if (!handle(SIGINT, on_terminate) || !handle(SIGTERM, on_terminate) || !handle(SIGCHLD, on_child)) return 2;
  for (;;) pause();
}
