#pragma once
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

// Throws a JS Error whose `code` is the errno name and message "<what>: <strerror>".
inline Napi::Value throw_errno(Napi::Env env, const std::string &what, int err) {
  Napi::Error e = Napi::Error::New(env, what + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  const char *name = strerrorname_np(err);
  e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}
