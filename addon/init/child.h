#pragma once
#include <vector>

#include "common/wire.h"

// Runs in the cloned container init; never returns.
[[noreturn]] void run_container_init(int sync_fd, const std::vector<wire::Record> &plan);
