// The shim's standby (README "containerd-shim-runts-v2"): a `start` that no running group answers
// is handed to a standby shim of the same context when one listens, so no Node starts for it;
// after the start, the next standby is started in the background when starts come in a burst.
#pragma once
#include <string>
#include <vector>

struct StandbyPlace {
  std::string socket;  // where a standby for this context listens
  std::string marker;  // the policy's marker: its mtime is the last start of this context
  std::string address;  // containerd's -address, written into a new marker
  size_t room;  // bytes a standby's command line keeps free for a start's args (src/shim/standby.ts)
};

// The standby place of this start's context: sha256 over the Node command line up to the call's
// args (the launcher's checkout, Node's flags; Node and the blob or entry as files: file_identity), the
// start flags that are not per container (address, namespace, publish-binary, debug), and the
// process context (environment, namespaces, cgroup, ...). False when standbys are off
// (RUNTS_STANDBY=0) or the start is not a plain one.
bool standby_place(int argc, char **argv, const std::string &node, const std::vector<char *> &node_prefix, const std::string &code_file, StandbyPlace &place);

// After this start: the next standby, when the policy wants one (runs in the background).
void start_next_standby(const StandbyPlace &place, const std::string &node, const std::vector<char *> &node_prefix);
