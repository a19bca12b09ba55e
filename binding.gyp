{
  "targets": [
    {
      "target_name": "runts_native",
      "sources": ["<!@(ls -1 addon/module/*.cc addon/common/*.cc addon/init_spawn/*.cc)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "addon"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-exceptions"],
      "libraries": ["-lseccomp"]
    },
    {
      "target_name": "runts-init",
      "type": "executable",
      "sources": ["<!@(ls -1 addon/init/*.cc addon/common/*.cc)"],
      "include_dirs": ["addon"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-exceptions"],
      "ldflags": ["-static-libstdc++", "-static-libgcc"]
    },
    {
      "target_name": "containerd-shim-runts-v2",
      "type": "executable",
      "sources": ["<!@(ls -1 addon/launcher/*.cc)", "addon/common/sha256.cc", "addon/standby/handoff.cc", "addon/common/fd_passing.cc"],
      "include_dirs": ["addon"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-exceptions"]
    },
    {
      "target_name": "runts-light",
      "type": "executable",
      "sources": ["<!@(ls -1 addon/light/*.cc addon/init_spawn/*.cc)", "addon/standby/handoff.cc", "addon/standby/wish.cc", "addon/common/fd_passing.cc", "addon/common/sha256.cc"],
      "include_dirs": ["addon"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-exceptions"],
      "ldflags": ["-static"]
    },
    {
      "target_name": "runts-pause",
      "type": "executable",
      "sources": ["addon/pause/main.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-exceptions"],
      "ldflags": ["-static", "-s"]
    }
  ]
}
