// SHA-256 (FIPS 180-4), for the shim socket address containerd and the shim derive from a group.
#pragma once
#include <string>

// Lowercase hex digest of data.
std::string sha256_hex(const std::string &data);
