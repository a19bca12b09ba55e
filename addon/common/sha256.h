// SHA-256 (FIPS 180-4) of the shim socket address, which containerd and the shim derive from a
// group: the launcher computes it to join a running group, the shim (through the module) to listen.
#pragma once
#include <string>

// Lowercase hex digest of data.
std::string sha256_hex(const std::string &data);
