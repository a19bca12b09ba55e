// The rootfs mounts containerd's snapshotter prepared (CreateTaskRequest.rootfs): mounted onto
// <bundle>/rootfs before create, unmounted again on delete. Mounting goes through src/mount, as
// the snapshotters' does: a source is never taken for one of mount(8)'s options, long overlay
// option strings are shortened. A mount's target stays inside the rootfs without crossing a symlink
// an earlier mount brought in.
import * as fs from 'fs';
import * as path from 'path';
import { invalid, systemError } from '../foundation/errors';
import { readMountInfo } from '../foundation/mountinfo';
import { Mount } from '../foundation/protos/shim';
import { mountAll } from '../mount';
import * as native from '../native';

export async function mountRootfs(bundle: string, mounts: Mount[]): Promise<void> {
  const rootfs = path.join(bundle, 'rootfs');
  try {
    for (const m of mounts) {
      const target = targetInside(rootfs, m.target || '');
      fs.mkdirSync(target, { recursive: true });
      await mountAll([{ type: m.type, source: m.source, options: m.options }], target);
    }
  } catch (err) {
    // the rootfs is all or nothing: what the earlier mounts stacked goes again
    await unmountRootfs(bundle).catch(() => undefined);
    throw err;
  }
}

/** rootfs/target, refused when it leaves the rootfs or passes through a symlink. */
function targetInside(rootfs: string, target: string): string {
  const full = path.resolve(rootfs, `./${target}`);
  if (full !== rootfs && !full.startsWith(`${rootfs}/`)) throw invalid(`rootfs mount target "${target}" leaves the container's rootfs`);
  let at = rootfs;
  for (const part of path.relative(rootfs, full).split('/').filter(Boolean)) {
    at = path.join(at, part);
    let isLink = false;
    try {
      isLink = fs.lstatSync(at).isSymbolicLink();
    } catch {
      break; // not there yet: created below, as a directory
    }
    if (isLink) throw invalid(`rootfs mount target "${target}" passes through the symlink ${at}`);
  }
  return full;
}

/**
 * Unmounts everything stacked on <bundle>/rootfs, until the kernel says it is no mount point
 * (EINVAL) as containerd's UnmountAll does; a busy mount is detached (lazy last resort keeps
 * delete from failing).
 */
export async function unmountRootfs(bundle: string): Promise<void> {
  const rootfs = path.join(bundle, 'rootfs');
  const gone = (err: unknown) => ['EINVAL', 'ENOENT'].includes((err as NodeJS.ErrnoException).code ?? '');
  for (let i = 0; i < 16; i++) {
    try {
      native.unmountNow(rootfs);
    } catch (err) {
      if (gone(err)) return;
      try {
        native.unmount(rootfs);
      } catch (detachErr) {
        if (gone(detachErr)) return;
        throw systemError(`unmount rootfs ${rootfs}`, detachErr);
      }
    }
  }
}

export function isMountPoint(dir: string): boolean {
  const wanted = path.resolve(dir);
  try {
    return readMountInfo().some((m) => m.mountPoint === wanted);
  } catch {
    return false;
  }
}
