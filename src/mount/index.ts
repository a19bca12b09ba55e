// Mounting what a snapshotter returns (for the snapshotters, the differ and the shim's rootfs):
// with mount(2) straight from the addon when the options are plain flags and data, as containerd's
// mount.Mount does (no mount(8) process per mount), else with mount(8). Overlay option strings
// longer than the one page mount(2) accepts (long lowerdir chains) are shortened the way
// containerd's mount helper does: mount(8) runs with its working directory at the deepest
// directory common to all layer paths, and the paths are given relative to it.

import { execFile } from 'child_process';
import * as path from 'path';
import { RuntsError } from '../foundation/errors';
import { mountFlagsOf, mountInKernel } from './syscall';

/** A mount as containerd describes it (types.Mount): what to pass to mount(8). */
export interface Mount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

const MOUNT_DATA_LIMIT = 4096 - 1; // a page, minus the terminating NUL

function run(program: string, args: string[], cwd: string | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { cwd }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      // mount(8) adds a "dmesg(1) may have more information" line: keep the reason, not the hint.
      const reason = String(stderr).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('dmesg(1)')).join(' ');
      reject(new RuntsError(`${what}: ${reason || error.message}`, 'system'));
    });
  });
}

const PATH_OPTIONS = ['lowerdir=', 'upperdir=', 'workdir='];

function commonDirectory(paths: string[]): string {
  const split = paths.map((p) => p.split('/'));
  const common: string[] = [];
  for (let i = 0; ; i++) {
    const part = split[0][i];
    if (part === undefined || split.some((s) => s[i] !== part || i >= s.length - 1)) break;
    common.push(part);
  }
  return common.join('/') || '/';
}

/** Overlay options with layer paths relative to a common directory, or unchanged if short enough. */
export function compactOverlayOptions(options: string[]): { options: string[]; cwd?: string } {
  if (Buffer.byteLength(options.join(',')) <= MOUNT_DATA_LIMIT) return { options };
  const paths: string[] = [];
  for (const option of options) {
    const prefix = PATH_OPTIONS.find((p) => option.startsWith(p));
    if (prefix) paths.push(...option.slice(prefix.length).split(':'));
  }
  if (paths.length === 0 || paths.some((p) => !path.isAbsolute(p))) return { options };
  const cwd = commonDirectory(paths);
  const relative = options.map((option) => {
    const prefix = PATH_OPTIONS.find((p) => option.startsWith(p));
    if (!prefix) return option;
    return prefix + option.slice(prefix.length).split(':').map((p) => path.relative(cwd, p)).join(':');
  });
  return { options: relative, cwd };
}

async function mountOne(mount: Mount, target: string): Promise<void> {
  const what = `mounting ${mount.type} ${mount.source} on ${target}`;
  const isBind = mount.type === 'bind' || mount.options.includes('bind') || mount.options.includes('rbind');
  if (isBind) {
    const options = mount.options.includes('rbind') || mount.options.includes('bind') ? mount.options : [...mount.options, 'rbind'];
    const parsed = mountFlagsOf(options);
    if (parsed && !parsed.data) return mountInKernel(mount.source, target, '', parsed, what);
    await run('mount', ['-o', options.join(','), '--', mount.source, target], undefined, what);
    return;
  }
  const parsed = mountFlagsOf(mount.options);
  if (parsed && Buffer.byteLength(parsed.data) <= MOUNT_DATA_LIMIT) return mountInKernel(mount.source, target, mount.type, parsed, what);
  const { options, cwd } = mount.type === 'overlay' ? compactOverlayOptions(mount.options) : { options: mount.options, cwd: undefined };
  const data = options.join(',');
  if (Buffer.byteLength(data) > MOUNT_DATA_LIMIT) {
    throw new RuntsError(`${what}: mount options are ${Buffer.byteLength(data)} bytes, more than one page even with relative layer paths`, 'invalid');
  }
  // "--": a client's source such as "--make-shared" is a path, never one of mount(8)'s options.
  await run('mount', ['-t', mount.type, ...(data ? ['-o', data] : []), '--', mount.source, target], cwd, what);
}

/** Mounts every mount on `target` in order; on failure the ones already made are undone. */
export async function mountAll(mounts: Mount[], target: string): Promise<void> {
  let done = 0;
  try {
    for (const mount of mounts) {
      await mountOne(mount, target);
      done++;
    }
  } catch (err) {
    for (; done > 0; done--) await run('umount', ['-R', target], undefined, `unmounting ${target}`).catch(() => undefined);
    throw err;
  }
}

/** Unmounts everything `mountAll` put on `target` (and mounts below it). */
export async function unmountAll(target: string, count = 1): Promise<void> {
  for (let i = 0; i < count; i++) await run('umount', ['-R', target], undefined, `unmounting ${target}`);
}
