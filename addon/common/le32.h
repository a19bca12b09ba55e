// The 32-bit little-endian integers of the standby wire (standby/handoff.h: a call's length;
// init_spawn/remote.h: a message's value), the same on both ends whatever the host's order.
#pragma once
#include <cstdint>

inline void put_le32(uint32_t value, unsigned char *out) {
  for (int i = 0; i < 4; i++) out[i] = static_cast<unsigned char>(value >> (8 * i));
}

inline uint32_t get_le32(const unsigned char *in) {
  return in[0] | in[1] << 8 | in[2] << 16 | static_cast<uint32_t>(in[3]) << 24;
}
