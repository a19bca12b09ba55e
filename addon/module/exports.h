#pragma once
#include <napi.h>

Napi::Value SpawnInit(const Napi::CallbackInfo &info);
Napi::Value SpawnProgram(const Napi::CallbackInfo &info);
Napi::Value SendMessage(const Napi::CallbackInfo &info);
Napi::Value EncodeRecords(const Napi::CallbackInfo &info);
Napi::Value Sha256Hex(const Napi::CallbackInfo &info);
Napi::Value ReceiveMessage(const Napi::CallbackInfo &info);
Napi::Value SendWithFd(const Napi::CallbackInfo &info);
Napi::Value ReceiveFd(const Napi::CallbackInfo &info);
Napi::Value ConnectUnix(const Napi::CallbackInfo &info);
Napi::Value StreamSocketPair(const Napi::CallbackInfo &info);
Napi::Value SetChildSubreaper(const Napi::CallbackInfo &info);
Napi::Value WaitReadable(const Napi::CallbackInfo &info);
Napi::Value WaitExit(const Napi::CallbackInfo &info);
Napi::Value CancelWait(const Napi::CallbackInfo &info);
Napi::Value LockFile(const Napi::CallbackInfo &info);
Napi::Value MakeFifo(const Napi::CallbackInfo &info);
Napi::Value CompileSeccomp(const Napi::CallbackInfo &info);
Napi::Value AttachDeviceProgram(const Napi::CallbackInfo &info);
Napi::Value SetWindowSize(const Napi::CallbackInfo &info);
Napi::Value Dup2(const Napi::CallbackInfo &info);
Napi::Value ReleaseIdleMemory(const Napi::CallbackInfo &info);
Napi::Value MapSnapshotCopy(const Napi::CallbackInfo &info);
Napi::Value OomNotifier(const Napi::CallbackInfo &info);
Napi::Value DrainFd(const Napi::CallbackInfo &info);
Napi::Value Mount(const Napi::CallbackInfo &info);
Napi::Value Unmount(const Napi::CallbackInfo &info);
Napi::Value MakeNode(const Napi::CallbackInfo &info);
Napi::Value SetXattr(const Napi::CallbackInfo &info);
Napi::Value GetXattrs(const Napi::CallbackInfo &info);
Napi::Value CreateNetns(const Napi::CallbackInfo &info);
Napi::Value RemoveNetns(const Napi::CallbackInfo &info);
Napi::Value ConnectInNetns(const Napi::CallbackInfo &info);
Napi::Value StandbyTakeCall(const Napi::CallbackInfo &info);
Napi::Value StandbyEndWithCaller(const Napi::CallbackInfo &info);
Napi::Value ShowCommandLine(const Napi::CallbackInfo &info);
