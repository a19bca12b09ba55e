#pragma once
#include <vector>

#include "common/wire.h"

// Runs in the cloned container init; never returns. idmapped_trees are the detached id-mapped
// bind mounts stage 1 prepared (IDMAP_TREE), by index.
[[noreturn]] void run_container_init(int sync_fd, const std::vector<wire::Record> &plan, const std::vector<int> &idmapped_trees);
