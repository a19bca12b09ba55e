// The rootfs mounts containerd's snapshotter prepared (CreateTaskRequest.rootfs): mounted onto
// <bundle>/rootfs before create, unmounted again on delete.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RuntsError } from '../foundation/errors';
import { Mount } from '../foundation/protos/shim';

export async function mountRootfs(bundle: string, mounts: Mount[]): Promise<void> {
  const rootfs = path.join(bundle, 'rootfs');
  for (const m of mounts) {
    const target = path.join(rootfs, m.target || '');
    fs.mkdirSync(target, { recursive: true });
    const args = ['-t', m.type, ...(m.options.length ? ['-o', m.options.join(',')] : []), m.source, target];
    await runTool('mount', args, `mount rootfs ${m.type} ${m.source} on ${target}`);
  }
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
  let mountinfo: string;
  try {
    mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  const wanted = path.resolve(dir);
  return mountinfo.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === wanted);
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function runTool(tool: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, (err, _stdout, stderr) => {
      if (err) reject(new RuntsError(`${what}: ${stderr.trim() || err.message}`, 'system'));
      else resolve();
    });
  });
}
