// Paths inside the rootfs, resolved by fd with openat2(RESOLVE_IN_ROOT) so that no symlink or
// ".." in the image can point a mount, mkdir or mknod at the host (SECURITY-CLASSES.md).
#pragma once
#include <string>

#include "init/context.h"

enum class DestKind { Directory, File };

// Opens (O_PATH) `path` inside root_fd, creating missing parent directories and, when absent,
// the final component as `kind`. Symlinks resolve inside the root; when `refuse_symlink` the
// final component must not be a symlink (procfs/sysfs targets, CVE-2019-19921).
int open_dest_in_root(InitContext &ctx, const std::string &path, DestKind kind, bool refuse_symlink);

// Opens an existing path inside root_fd (O_PATH), or -1 with errno.
int open_in_root(int root_fd, const std::string &path, int extra_flags = 0);

// "/proc/self/fd/N": the magic link mount(2) follows to the fd's dentry.
std::string fd_path(int fd);
