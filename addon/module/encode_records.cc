// encodeRecords(records): the plan as one buffer in the record format of common/wire.h. Encoded
// here, not in JS: a plan is ~300 arguments, and without a JIT (bin/runts starts from the
// snapshot with none) the JS loop of a Buffer per argument was ~0.5 ms of every create.
#include <cstring>
#include <string>

#include "module/exports.h"

static void put_u32(std::string &out, uint32_t v) { out.append(reinterpret_cast<const char *>(&v), 4); }

// A string is written as UTF-8, a Buffer as its bytes, anything else as JS String(value) would.
// False when the value has no string form (an exception is then pending).
static bool put_arg(napi_env env, std::string &out, Napi::Value arg) {
  if (arg.IsBuffer()) {
    Napi::Buffer<char> b = arg.As<Napi::Buffer<char>>();
    put_u32(out, static_cast<uint32_t>(b.Length()));
    out.append(b.Data(), b.Length());
    return true;
  }
  napi_value s = arg;
  if (!arg.IsString() && napi_coerce_to_string(env, arg, &s) != napi_ok) return false;
  size_t len = 0;
  if (napi_get_value_string_utf8(env, s, nullptr, 0, &len) != napi_ok) return false;
  put_u32(out, static_cast<uint32_t>(len));
  size_t at = out.size();
  out.resize(at + len + 1);  // napi writes a terminating NUL
  napi_get_value_string_utf8(env, s, &out[at], len + 1, &len);
  out.resize(at + len);
  return true;
}

Napi::Value EncodeRecords(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array records = info[0].As<Napi::Array>();
  std::string out;
  out.reserve(4096);
  for (uint32_t i = 0; i < records.Length(); i++) {
    Napi::Object rec = records.Get(i).As<Napi::Object>();
    Napi::Array args = rec.Get("args").As<Napi::Array>();
    put_u32(out, rec.Get("op").As<Napi::Number>().Uint32Value());
    put_u32(out, args.Length());
    for (uint32_t j = 0; j < args.Length(); j++) {
      if (!put_arg(env, out, args.Get(j))) return env.Undefined();
    }
  }
  return Napi::Buffer<char>::Copy(env, out.data(), out.size());
}
