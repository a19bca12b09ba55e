// The flags of a plain `start` as containerd writes them (Go `flag` syntax, as src/shim/flags.ts
// reads it): what group_join and standbys need.
#pragma once
#include <string>
#include <vector>

struct StartFlags {
  std::string address, namespace_, id;
  // every argument but -id and -bundle (and their values) and the action: what all starts of a
  // containerd share
  std::vector<std::string> shared;
};

// False for anything but a plain, valid start.
bool parse_start_flags(int argc, char **argv, StartFlags &flags);
