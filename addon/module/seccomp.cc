// compileSeccomp(profile): linux.seccomp compiled to classic BPF with libseccomp, as runc and
// crun do; the bytes travel in the launch plan and runts-init loads them right before exec.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "module/errors.h"
#include "module/exports.h"

namespace {

bool action_of(const std::string &name, uint32_t errno_ret, uint32_t &out) {
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") out = SCMP_ACT_KILL_THREAD;
  else if (name == "SCMP_ACT_KILL_PROCESS") out = SCMP_ACT_KILL_PROCESS;
  else if (name == "SCMP_ACT_TRAP") out = SCMP_ACT_TRAP;
  else if (name == "SCMP_ACT_ERRNO") out = SCMP_ACT_ERRNO(errno_ret);
  else if (name == "SCMP_ACT_TRACE") out = SCMP_ACT_TRACE(errno_ret);
  else if (name == "SCMP_ACT_ALLOW") out = SCMP_ACT_ALLOW;
  else if (name == "SCMP_ACT_LOG") out = SCMP_ACT_LOG;
  else if (name == "SCMP_ACT_NOTIFY") out = SCMP_ACT_NOTIFY;
  else return false;
  return true;
}

bool operator_of(const std::string &name, scmp_compare &out) {
  static const std::map<std::string, scmp_compare> table = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  auto it = table.find(name);
  if (it == table.end()) return false;
  out = it->second;
  return true;
}

uint32_t get_u32(Napi::Object o, const char *key, uint32_t def) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : def;
}
uint64_t get_u64(Napi::Object o, const char *key) {
  Napi::Value v = o.Get(key);
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return v.IsNumber() ? static_cast<uint64_t>(v.As<Napi::Number>().DoubleValue()) : 0;
}

struct Ctx {
  scmp_filter_ctx ctx;
  ~Ctx() { if (ctx) seccomp_release(ctx); }
};

/**
 * runc's -ENOSYS stub, put before libseccomp's program: for each arch of the filter, a syscall
 * numbered above the highest the profile names there gets ENOSYS instead of the default
 * action, so that libc falls back from calls newer than the profile (clone3 and friends). x32
 * numbers are left to libseccomp. Not added when the default allows, as runc.
 */
std::vector<sock_filter> enosys_stub(const std::map<uint32_t, int> &last_by_arch) {
  const uint32_t x32_bit = 0x40000000;
  std::vector<sock_filter> p = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4)};  // seccomp_data.arch
  // Each block: arch matches ? compare nr and jump to ENOSYS or to libseccomp : next block.
  // Jump offsets are patched once the positions of ENOSYS and libseccomp's start are known.
  std::vector<std::pair<size_t, bool>> to_enosys_or_end;  // (index, jt goes to ENOSYS)
  std::vector<size_t> x32_to_end;
  for (const auto &[arch, last] : last_by_arch) {
    bool x86_64 = arch == SCMP_ARCH_X86_64;
    uint8_t block = x86_64 ? 4 : 3;
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, static_cast<uint8_t>(block - 1)));
    p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0));  // seccomp_data.nr
    if (x86_64) {
      x32_to_end.push_back(p.size());
      p.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, x32_bit, 0, 0));
    }
    to_enosys_or_end.push_back({p.size(), true});
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(last), 0, 0));
  }
  p.push_back(BPF_STMT(BPF_JMP | BPF_JA | BPF_K, 1));  // no block matched: libseccomp decides
  size_t enosys = p.size();
  p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
  size_t end = p.size();
  for (auto &[at, _] : to_enosys_or_end) {
    p[at].jt = static_cast<uint8_t>(enosys - at - 1);
    p[at].jf = static_cast<uint8_t>(end - at - 1);
  }
  for (size_t at : x32_to_end) p[at].jt = static_cast<uint8_t>(end - at - 1);
  return p;
}

bool is_allow(uint32_t action) { return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG; }

Napi::Value fail(Napi::Env env, const std::string &msg) {
  Napi::Error::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

Napi::Value CompileSeccomp(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object profile = info[0].As<Napi::Object>();
  uint32_t default_errno = get_u32(profile, "defaultErrnoRet", EPERM);
  uint32_t default_action;
  std::string default_name = profile.Get("defaultAction").As<Napi::String>();
  if (!action_of(default_name, default_errno, default_action)) return fail(env, "seccomp: unknown defaultAction " + default_name);
  Ctx c{seccomp_init(default_action)};
  if (!c.ctx) return fail(env, "seccomp: cannot initialise a filter");
  // Syscalls that do not exist on the native arch are compiled as no-ops, like runc.
  seccomp_attr_set(c.ctx, SCMP_FLTATR_CTL_NNP, 0);
  std::map<uint32_t, int> last_by_arch;  // the highest syscall number the profile names, per arch
  auto note_named = [&](const std::string &name) {
    for (auto &[arch, last] : last_by_arch) {
      int nr = seccomp_syscall_resolve_name_arch(arch, name.c_str());
      if (nr >= 0 && nr > last) last = nr;  // negative: a pseudo number, not on this arch
    }
  };
  last_by_arch.emplace(seccomp_arch_native(), -1);

  Napi::Value archs = profile.Get("architectures");
  if (archs.IsArray()) {
    Napi::Array a = archs.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string name = a.Get(i).As<Napi::String>();
      std::string lower = name.rfind("SCMP_ARCH_", 0) == 0 ? name.substr(10) : name;
      for (char &ch : lower) ch = static_cast<char>(tolower(ch));
      uint32_t token = seccomp_arch_resolve_name(lower.c_str());
      if (!token) return fail(env, "seccomp: unknown architecture " + name);
      int rc = seccomp_arch_add(c.ctx, token);
      if (token != SCMP_ARCH_X32) last_by_arch.emplace(token, -1);  // x32 calls come as x86_64's
      if (rc < 0 && rc != -EEXIST) return throw_errno(env, "seccomp: add architecture " + name, -rc);
    }
  }

  Napi::Value syscalls = profile.Get("syscalls");
  Napi::Array list = syscalls.IsArray() ? syscalls.As<Napi::Array>() : Napi::Array::New(env);
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Object sc = list.Get(i).As<Napi::Object>();
    std::string action_name = sc.Get("action").As<Napi::String>();
    uint32_t action;
    if (!action_of(action_name, get_u32(sc, "errnoRet", default_errno), action))
      return fail(env, "seccomp: unsupported action " + action_name);
    if (action == default_action) {  // libseccomp refuses rules equal to the default
      Napi::Array names = sc.Get("names").As<Napi::Array>();
      for (uint32_t j = 0; j < names.Length(); j++) note_named(names.Get(j).As<Napi::String>());
      continue;
    }
    std::vector<scmp_arg_cmp> args;
    std::map<uint32_t, int> per_index;
    Napi::Value a = sc.Get("args");
    if (a.IsArray()) {
      Napi::Array arr = a.As<Napi::Array>();
      for (uint32_t j = 0; j < arr.Length(); j++) {
        Napi::Object arg = arr.Get(j).As<Napi::Object>();
        scmp_compare op;
        std::string op_name = arg.Get("op").As<Napi::String>();
        if (!operator_of(op_name, op)) return fail(env, "seccomp: unknown operator " + op_name);
        uint32_t index = get_u32(arg, "index", 0);
        args.push_back({index, op, get_u64(arg, "value"), get_u64(arg, "valueTwo")});
        per_index[index]++;
      }
    }
    bool split = false;  // two conditions on one argument: libseccomp ANDs them, runc ORs them
    for (auto &[index, n] : per_index) split |= n > 1;
    Napi::Array names = sc.Get("names").As<Napi::Array>();
    for (uint32_t j = 0; j < names.Length(); j++) {
      std::string name = names.Get(j).As<Napi::String>();
      int nr = seccomp_syscall_resolve_name(name.c_str());
      note_named(name);
      if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp/arch: skipped as runc does
      if (split) {
        for (const scmp_arg_cmp &cmp : args) {
          int rc = seccomp_rule_add_array(c.ctx, action, nr, 1, &cmp);
          if (rc < 0) return throw_errno(env, "seccomp: add rule for " + name, -rc);
        }
      } else {
        int rc = seccomp_rule_add_array(c.ctx, action, nr, static_cast<unsigned>(args.size()), args.data());
        if (rc < 0) return throw_errno(env, "seccomp: add rule for " + name, -rc);
      }
    }
  }

  int fd = memfd_create("runts-seccomp", MFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "memfd_create", errno);
  int rc = seccomp_export_bpf(c.ctx, fd);
  if (rc < 0) {
    close(fd);
    return throw_errno(env, "seccomp: export BPF", -rc);
  }
  off_t size = lseek(fd, 0, SEEK_END);
  bool enosys_default = (default_action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO && (default_action & SECCOMP_RET_DATA) == ENOSYS;
  for (auto it = last_by_arch.begin(); it != last_by_arch.end();) it = it->second < 0 ? last_by_arch.erase(it) : std::next(it);
  std::vector<sock_filter> stub = last_by_arch.empty() || is_allow(default_action) || enosys_default ? std::vector<sock_filter>{} : enosys_stub(last_by_arch);
  size_t stub_bytes = stub.size() * sizeof(sock_filter);
  Napi::Buffer<char> out = Napi::Buffer<char>::New(env, stub_bytes + static_cast<size_t>(size));
  if (stub_bytes) memcpy(out.Data(), stub.data(), stub_bytes);
  ssize_t n = pread(fd, out.Data() + stub_bytes, static_cast<size_t>(size), 0);
  close(fd);
  if (n != size) return throw_errno(env, "seccomp: read BPF", errno);
  return out;
}

// seccompCompilerId(): what besides the profile decides the filter CompileSeccomp makes: libseccomp's
// version and API level (the kernel's features it found) and the native architecture.
Napi::Value SeccompCompilerId(const Napi::CallbackInfo &info) {
  const struct scmp_version *v = seccomp_version();
  std::string id = "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro) +
                   " api " + std::to_string(seccomp_api_get()) + " arch " + std::to_string(seccomp_arch_native());
  return Napi::String::New(info.Env(), id);
}
