// The top-level "annotations" of an OCI config.json, read without a JSON library: enough of JSON
// to skip every other value. Anything this reader does not handle makes it give up (false), and
// the caller leaves the question to the TypeScript shim.
#pragma once
#include <map>
#include <string>

bool read_annotations(const std::string &json, std::map<std::string, std::string> &annotations);
