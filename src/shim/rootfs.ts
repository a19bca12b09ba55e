// The rootfs mounts containerd's snapshotter prepared (CreateTaskRequest.rootfs): mounted onto
// <bundle>/rootfs before create, unmounted again on delete. Mounting goes through src/mount.ts, as
// the snapshotters' does: a source is never taken for one of mount(8)'s options, long overlay
// option strings are shortened. A mount's target stays inside the rootfs without crossing a symlink
// an earlier mount brought in.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError, invalid } from '../foundation/errors';
import { readMountInfo } from '../foundation/mountinfo';
import { Mount } from '../foundation/protos/shim';
import { mountAll } from '../mount';

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

/** Unmounts everything stacked on <bundle>/rootfs (lazy last resort keeps delete from failing). */
export async function unmountRootfs(bundle: string): Promise<void> {
  const rootfs = path.join(bundle, 'rootfs');
  for (let i = 0; i < 16 && isMountPoint(rootfs); i++) {
    try {
      await runTool('umount', [rootfs], `unmount rootfs ${rootfs}`);
    } catch {
      await runTool('umount', ['-l', rootfs], `unmount rootfs ${rootfs}`);
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

function runTool(tool: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, (err, _stdout, stderr) => {
      if (err) reject(new RuntsError(`${what}: ${stderr.trim() || err.message}`, 'system'));
      else resolve();
    });
  });
}
