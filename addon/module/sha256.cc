// sha256Hex(text): the lowercase hex SHA-256 of text's UTF-8 bytes (common/sha256.cc, the
// launcher's own), for the shim's socket address: Node's crypto would bring its ~20 modules into
// the shim's startup snapshot for this one digest per start.
#include "common/sha256.h"
#include "module/exports.h"

Napi::Value Sha256Hex(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), sha256_hex(info[0].As<Napi::String>().Utf8Value()));
}
