#include "start_flags.h"

#include <cstring>

bool parse_start_flags(int argc, char **argv, StartFlags &flags) {
  int i = 1;
  for (; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "--") {
      i++;
      break;
    }
    if (arg.empty() || arg[0] != '-' || arg == "-") break;
    std::string body = arg.substr(arg.compare(0, 2, "--") == 0 ? 2 : 1);
    size_t eq = body.find('=');
    std::string name = body.substr(0, eq);
    if (name == "debug") {
      if (eq != std::string::npos) return false;  // an explicit value: let the shim judge it
      flags.shared.push_back(arg);
      continue;
    }
    std::string *into = name == "address" ? &flags.address : name == "namespace" ? &flags.namespace_ : name == "id" ? &flags.id : nullptr;
    if (!into && name != "publish-binary" && name != "bundle") return false;
    bool shared = name != "id" && name != "bundle";
    if (shared) flags.shared.push_back(arg);
    std::string value;
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
    } else if (++i < argc) {
      value = argv[i];
      if (shared) flags.shared.push_back(value);
    } else {
      return false;
    }
    if (into) *into = value;
  }
  return i == argc - 1 && strcmp(argv[i], "start") == 0 && !flags.namespace_.empty() && !flags.id.empty();
}
