// The parent<->runts-init message format: a message is a sequence of records, each
// [u32 op][u32 argc] then argc x ([u32 len][len bytes]), little-endian host order.
// Both sides of the socketpair are on the same host, so no byte swapping is needed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wire {

struct Record {
  uint32_t op = 0;
  std::vector<std::string> args;
  uint64_t num(size_t i) const;       // args[i] parsed as an unsigned decimal
  int64_t snum(size_t i) const;       // args[i] parsed as a signed decimal
};

// Decodes buf into records; returns false on a truncated or malformed buffer.
bool decode(const char *buf, size_t len, std::vector<Record> &out);
void encode(const Record &rec, std::string &out);

}  // namespace wire
