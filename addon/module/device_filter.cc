// attachDeviceProgram(dir, defaultAllow, rules): cgroup v2 has no devices.allow/deny, so the
// rules become an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached to the cgroup, as runc
// and crun do. Rules are tested from the last to the first; the first match decides.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "module/errors.h"
#include "module/exports.h"

namespace {

using Insns = std::vector<bpf_insn>;

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i;
  memset(&i, 0, sizeof i);
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

// r1 = struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor;}
const bpf_insn kPrologue[] = {
    insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0),  // r2 = access_type
    insn(BPF_ALU | BPF_MOV | BPF_X, 3, 2, 0, 0),  // w3 = w2
    insn(BPF_ALU | BPF_AND | BPF_K, 3, 0, 0, 0xffff),  // w3 = device type
    insn(BPF_ALU | BPF_MOV | BPF_X, 4, 2, 0, 0),  // w4 = w2
    insn(BPF_ALU | BPF_RSH | BPF_K, 4, 0, 0, 16),  // w4 = requested access bits
    insn(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 4, 0),  // r5 = major
    insn(BPF_LDX | BPF_MEM | BPF_W, 6, 1, 8, 0),  // r6 = minor
};

void verdict(Insns &out, bool allow) {
  out.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, allow ? 1 : 0));
  out.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

struct Rule {
  bool allow;
  char type;  // a, c, b
  int64_t major, minor;  // -1: any
  int access;  // BPF_DEVCG_ACC_* bits
};

// One rule: conditional jumps to the next block when it does not match, then its verdict.
void emit_rule(Insns &out, const Rule &r) {
  Insns block;
  std::vector<size_t> exits;  // indexes of "goto next" jumps
  auto jne = [&](uint8_t reg, int32_t imm) {
    exits.push_back(block.size());
    block.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, imm));
  };
  if (r.type != 'a') jne(3, r.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
  const int all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  if (r.access != all) {
    block.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, 7, 4, 0, 0));
    block.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 7, 0, 0, ~r.access & all));
    jne(7, 0);  // some requested access is outside the rule
  }
  if (r.major >= 0) jne(5, static_cast<int32_t>(r.major));
  if (r.minor >= 0) jne(6, static_cast<int32_t>(r.minor));
  verdict(block, r.allow);
  for (size_t i : exits) block[i].off = static_cast<int16_t>(block.size() - i - 1);
  out.insert(out.end(), block.begin(), block.end());
}

long bpf(int cmd, bpf_attr &attr) { return syscall(SYS_bpf, cmd, &attr, sizeof attr); }

// Ids of the device programs already attached to the cgroup (to replace them).
std::vector<uint32_t> attached_ids(int cgroup_fd) {
  std::vector<uint32_t> ids(64);
  bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.query.target_fd = static_cast<uint32_t>(cgroup_fd);
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = reinterpret_cast<uint64_t>(ids.data());
  attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
  if (bpf(BPF_PROG_QUERY, attr) < 0) return {};
  ids.resize(attr.query.prog_cnt);
  return ids;
}

}  // namespace

Napi::Value AttachDeviceProgram(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  bool default_allow = info[1].As<Napi::Boolean>().Value();
  Napi::Array list = info[2].As<Napi::Array>();

  Insns prog(std::begin(kPrologue), std::end(kPrologue));
  for (uint32_t i = list.Length(); i-- > 0;) {
    Napi::Object o = list.Get(i).As<Napi::Object>();
    Rule r;
    r.allow = o.Get("allow").As<Napi::Boolean>().Value();
    std::string type = o.Get("type").As<Napi::String>();
    r.type = type.empty() ? 'a' : type[0];
    r.major = o.Get("major").As<Napi::Number>().Int64Value();
    r.minor = o.Get("minor").As<Napi::Number>().Int64Value();
    std::string access = o.Get("access").As<Napi::String>();
    r.access = 0;
    for (char c : access) r.access |= c == 'r' ? BPF_DEVCG_ACC_READ : c == 'w' ? BPF_DEVCG_ACC_WRITE : c == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
    emit_rule(prog, r);
  }
  verdict(prog, default_allow);

  char license[] = "Apache";
  bpf_attr load;
  memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(prog.data());
  load.insn_cnt = static_cast<uint32_t>(prog.size());
  load.license = reinterpret_cast<uint64_t>(license);
  int prog_fd = static_cast<int>(bpf(BPF_PROG_LOAD, load));
  if (prog_fd < 0) return throw_errno(env, "load device eBPF program", errno);

  int cgroup_fd = open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (cgroup_fd < 0) {
    int err = errno;
    close(prog_fd);
    return throw_errno(env, "open cgroup " + dir, err);
  }
  std::vector<uint32_t> old = attached_ids(cgroup_fd);
  bpf_attr attach;
  memset(&attach, 0, sizeof attach);
  attach.target_fd = static_cast<uint32_t>(cgroup_fd);
  attach.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, attach) < 0) {
    int err = errno;
    close(cgroup_fd);
    close(prog_fd);
    return throw_errno(env, "attach device eBPF program to " + dir, err);
  }
  // Only now drop the previous programs: the cgroup is never left without a filter.
  for (uint32_t id : old) {
    bpf_attr get;
    memset(&get, 0, sizeof get);
    get.prog_id = id;
    int old_fd = static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, get));
    if (old_fd < 0) continue;
    bpf_attr detach;
    memset(&detach, 0, sizeof detach);
    detach.target_fd = static_cast<uint32_t>(cgroup_fd);
    detach.attach_bpf_fd = static_cast<uint32_t>(old_fd);
    detach.attach_type = BPF_CGROUP_DEVICE;
    bpf(BPF_PROG_DETACH, detach);
    close(old_fd);
  }
  close(cgroup_fd);
  close(prog_fd);
  return Napi::Number::New(env, static_cast<double>(prog.size()));
}
