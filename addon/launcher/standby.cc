#include "standby.h"

#include <sys/stat.h>

#include <cstring>

#include "standby/handoff.h"
#include "common/sha256.h"
#include "start_flags.h"

namespace {

const char kSocketDir[] = "/run/containerd/s/";
const char kSocketPrefix[] = "runts-standby-";
const char kMarkerSuffix[] = ".called";
// The hidden action src/shim/flags.ts knows: wait on fd 3 for a start to take (src/shim/standby.ts).
const char kStandbyAction[] = "standby";
// Room beyond this start's args for the next one's: only -id (at most 76 characters in
// containerd) and a -bundle with it differ.
const size_t kRoomSlack = 256;

}  // namespace

bool standby_place(int argc, char **argv, const std::string &node, const std::vector<char *> &node_prefix, const std::string &code_file, StandbyPlace &place) {
  if (!standbys_enabled()) return false;
  StartFlags flags;
  if (!parse_start_flags(argc, argv, flags)) return false;
  std::string code = file_identity(code_file);
  if (code.empty()) return false;
  std::string context = "containerd-shim-runts-v2 standby 1\n";
  for (const char *arg : node_prefix) context += std::string(arg) + '\0';
  context += '\n' + file_identity(node) + code;
  for (const std::string &arg : flags.shared) context += arg + '\0';
  context += '\n' + process_context("");
  place.socket = kSocketDir + std::string(kSocketPrefix) + sha256_hex(context);
  place.marker = place.socket + kMarkerSuffix;
  place.address = flags.address;
  place.room = kRoomSlack;
  for (int i = 1; i < argc; i++) place.room += strlen(argv[i]) + 1;
  return true;
}

void start_next_standby(const StandbyPlace &place, const std::string &node, const std::vector<char *> &node_prefix) {
  // the directory src/shim/start.ts makes for shim sockets
  mkdir("/run/containerd", 0711);
  mkdir(kSocketDir, 0711);
  if (!standby_due(place.marker, place.address)) return;
  std::vector<const char *> argv(node_prefix.begin(), node_prefix.end());
  argv.push_back(kStandbyAction);
  std::string room(place.room, ' ');
  argv.push_back(room.c_str());
  spawn_standby(place.socket, node, argv);
}
