#include "common/wire.h"

#include <cstdlib>
#include <cstring>

namespace wire {

uint64_t Record::num(size_t i) const { return i < args.size() ? strtoull(args[i].c_str(), nullptr, 10) : 0; }
int64_t Record::snum(size_t i) const { return i < args.size() ? strtoll(args[i].c_str(), nullptr, 10) : 0; }

static bool take_u32(const char *&p, const char *end, uint32_t &v) {
  if (end - p < 4) return false;
  memcpy(&v, p, 4);
  p += 4;
  return true;
}

bool decode(const char *buf, size_t len, std::vector<Record> &out) {
  const char *p = buf, *end = buf + len;
  while (p < end) {
    Record r;
    uint32_t argc;
    if (!take_u32(p, end, r.op) || !take_u32(p, end, argc)) return false;
    for (uint32_t i = 0; i < argc; i++) {
      uint32_t n;
      if (!take_u32(p, end, n) || (size_t)(end - p) < n) return false;
      r.args.emplace_back(p, n);
      p += n;
    }
    out.push_back(std::move(r));
  }
  return true;
}

static void put_u32(std::string &out, uint32_t v) { out.append(reinterpret_cast<const char *>(&v), 4); }

void encode(const Record &rec, std::string &out) {
  put_u32(out, rec.op);
  put_u32(out, rec.args.size());
  for (const auto &a : rec.args) {
    put_u32(out, a.size());
    out.append(a);
  }
}

}  // namespace wire
