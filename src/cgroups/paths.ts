// Where a container's cgroup lives: an absolute cgroupsPath is taken from each hierarchy's root,
// a relative one from the cgroup the runtime itself is in (runc's cgroupfs behaviour).
import * as path from 'path';
import { invalid } from '../foundation/errors';
import { ProcCgroups } from '../foundation/proc-cgroup';

/** The runtime's own cgroups, as /proc/self/cgroup names them. */
export type OwnCgroups = ProcCgroups;

/** Checks a linux.cgroupsPath and returns it normalised (no "..", no trailing slash). */
export function checkCgroupsPath(p: string): string {
  if (typeof p !== 'string' || p.trim() === '') throw invalid('linux.cgroupsPath: must not be empty');
  if (p.split('/').includes('..')) throw invalid(`linux.cgroupsPath: ${JSON.stringify(p)} must not contain ".."`);
  if (p.includes(':') && !p.startsWith('/')) {
    throw invalid(`linux.cgroupsPath: ${JSON.stringify(p)} is a systemd slice:prefix:name path, which needs --systemd-cgroup (not supported)`);
  }
  const norm = path.posix.normalize(p).replace(/\/+$/, '');
  if (norm === '' || norm === '.' || norm === '/') throw invalid(`linux.cgroupsPath: ${JSON.stringify(p)} names the root cgroup`);
  return norm;
}

/** The cgroup directory for `cgroupsPath` in the hierarchy mounted at `mount`. */
export function resolveIn(mount: string, hierarchyKey: string, cgroupsPath: string, own: OwnCgroups): string {
  if (cgroupsPath.startsWith('/')) return path.join(mount, cgroupsPath);
  return path.join(mount, own.get(hierarchyKey) ?? '/', cgroupsPath);
}

/** `exec --cgroup SUB`: the sub-cgroup SUB of the container's cgroup `base`, never above it. */
export function subCgroupPath(base: string, sub: string): string {
  const joined = path.posix.join(base, sub);
  if (joined !== base && !joined.startsWith(`${base}/`)) throw invalid(`${sub} is not a sub cgroup path`);
  return joined;
}
