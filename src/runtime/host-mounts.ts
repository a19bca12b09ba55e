// A container without a mount namespace of its own mounts into its rootfs on the host: those
// mounts go with the container (runc leaves them behind). Mounts that were there before it
// (the rootfs itself, as a shim or snapshotter mounted it) stay.
import * as fs from 'fs';
import * as native from '../native';
import { systemError } from '../foundation/errors';
import { readMountInfo } from '../foundation/mountinfo';

/** Mount points at or below `rootfs` in this process's mount namespace, latest first. */
export function mountsUnder(rootfs: string): string[] {
  let dir: string;
  try {
    dir = fs.realpathSync(rootfs);
  } catch {
    return [];
  }
  const points = readMountInfo().map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points.reverse())];
}

/** Detaches every mount in `rootfs` that is not one of `keep`, deepest (latest) first. */
export function releaseHostMounts(rootfs: string, keep: string[]): void {
  for (const point of mountsUnder(rootfs).filter((p) => !keep.includes(p))) {
    try {
      native.unmount(point);
    } catch (err) {
      // Gone already (a parent's lazy unmount took it along).
      if (!['EINVAL', 'ENOENT'].includes((err as NodeJS.ErrnoException).code ?? '')) throw systemError(`unmount ${point}`, err);
    }
  }
}
