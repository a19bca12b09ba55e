#pragma once
#include <string>

// Appends the whole content of the file at path to `into` (a /proc file too, whose size stat
// does not tell); false when it cannot be opened or read to its end.
bool read_file(const char *path, std::string &into);
