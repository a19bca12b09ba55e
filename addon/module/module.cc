// runts_native: the N-API module. src/native.ts is its only importer.
#include <napi.h>

#include "module/exports.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnInit", Napi::Function::New(env, SpawnInit));
  exports.Set("spawnInitsThrough", Napi::Function::New(env, SpawnInitsThrough));
  exports.Set("spawnProgram", Napi::Function::New(env, SpawnProgram));
  exports.Set("sendMessage", Napi::Function::New(env, SendMessage));
  exports.Set("encodeRecords", Napi::Function::New(env, EncodeRecords));
  exports.Set("sha256Hex", Napi::Function::New(env, Sha256Hex));
  exports.Set("receiveMessage", Napi::Function::New(env, ReceiveMessage));
  exports.Set("sendWithFd", Napi::Function::New(env, SendWithFd));
  exports.Set("receiveFd", Napi::Function::New(env, ReceiveFd));
  exports.Set("waitReadable", Napi::Function::New(env, WaitReadable));
  exports.Set("waitExit", Napi::Function::New(env, WaitExit));
  exports.Set("cancelWait", Napi::Function::New(env, CancelWait));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix));
  exports.Set("streamSocketPair", Napi::Function::New(env, StreamSocketPair));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper));
  exports.Set("lockFile", Napi::Function::New(env, LockFile));
  exports.Set("mkfifo", Napi::Function::New(env, MakeFifo));
  exports.Set("compileSeccomp", Napi::Function::New(env, CompileSeccomp));
  exports.Set("seccompCompilerId", Napi::Function::New(env, SeccompCompilerId));
  exports.Set("attachDeviceProgram", Napi::Function::New(env, AttachDeviceProgram));
  exports.Set("setWindowSize", Napi::Function::New(env, SetWindowSize));
  exports.Set("dup2", Napi::Function::New(env, Dup2));
  exports.Set("releaseIdleMemory", Napi::Function::New(env, ReleaseIdleMemory));
  exports.Set("mapSnapshotCopy", Napi::Function::New(env, MapSnapshotCopy));
  exports.Set("oomNotifier", Napi::Function::New(env, OomNotifier));
  exports.Set("drainFd", Napi::Function::New(env, DrainFd));
  exports.Set("mount", Napi::Function::New(env, Mount));
  exports.Set("unmount", Napi::Function::New(env, Unmount));
  exports.Set("mknod", Napi::Function::New(env, MakeNode));
  exports.Set("lsetxattr", Napi::Function::New(env, SetXattr));
  exports.Set("lgetxattrs", Napi::Function::New(env, GetXattrs));
  exports.Set("createNetns", Napi::Function::New(env, CreateNetns));
  exports.Set("removeNetns", Napi::Function::New(env, RemoveNetns));
  exports.Set("connectInNetns", Napi::Function::New(env, ConnectInNetns));
  exports.Set("standbyTakeCall", Napi::Function::New(env, StandbyTakeCall));
  exports.Set("standbyEndWithCaller", Napi::Function::New(env, StandbyEndWithCaller));
  exports.Set("showCommandLine", Napi::Function::New(env, ShowCommandLine));
  return exports;
}

NODE_API_MODULE(runts_native, Init)
