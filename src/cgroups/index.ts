// runts's cgroup library: detect the host's layout and open a container's cgroup behind one
// interface (v1 or hybrid: V1Manager; unified: V2Manager).
import * as fs from 'fs';
import * as path from 'path';
import { invalid } from '../foundation/errors';
import { readProcCgroup } from '../foundation/proc-cgroup';
import { CgroupFs, nodeCgroupFs } from './fs';
import { OwnCgroups, checkCgroupsPath } from './paths';
import type { CgroupLayout, CgroupManager, SetDeviceProgram } from './types';
import { V1Manager } from './v1/manager';
import { V2Manager } from './v2/manager';

export type { CgroupLayout, CgroupManager, FreezerState, SetDeviceProgram, ApplyOptions } from './types';
export type { LinuxResources } from './resources';
export type { CgroupStats } from './stats';
export { statsToRuncJson } from './stats';
export { compileDeviceRules } from './devices';
export { watchOomKills } from './oom';
export type { DeviceProgram, DeviceRule } from './devices';
export type { CgroupFs } from './fs';

const CGROUP2_SUPER_MAGIC = 0x63677270;

function isCgroup2(dir: string): boolean {
  try {
    return fs.statfsSync(dir).type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/** v2 when the root is cgroup2; hybrid when v1 hierarchies sit beside cgroup2 at <root>/unified. */
export function detectCgroupLayout(root = '/sys/fs/cgroup'): CgroupLayout {
  if (isCgroup2(root)) return 'v2';
  return isCgroup2(path.join(root, 'unified')) ? 'hybrid' : 'v1';
}

/**
 * Where a container without linux.cgroupsPath goes: /<id> from each hierarchy's root.
 * runc 1.1 differs: it resolves the bare <id> relative to its own cgroup (<own cgroup>/<id>),
 * which would nest containers inside whatever cgroup the runtime runs in (a service's, a
 * supervisor's). A relative linux.cgroupsPath given explicitly is still resolved runc's way.
 */
export function defaultCgroupsPath(id: string): string {
  if (!/^[\w+.-]+$/.test(id)) throw invalid(`container id ${JSON.stringify(id)} cannot name a cgroup`);
  return `/${id}`;
}

export interface OpenCgroupOptions {
  /** linux.cgroupsPath, or defaultCgroupsPath(id). */
  path: string;
  layout?: CgroupLayout;
  root?: string;
  fs?: CgroupFs;
  /** The runtime's own cgroups (/proc/self/cgroup), which relative paths are resolved against. */
  own?: OwnCgroups;
  /** v2 device enforcement (the addon's eBPF loader); without it v2 device rules are not enforced. */
  setDeviceProgram?: SetDeviceProgram;
}

export function openCgroup(opts: OpenCgroupOptions): CgroupManager {
  const root = opts.root ?? '/sys/fs/cgroup';
  const layout = opts.layout ?? detectCgroupLayout(root);
  const cgroupsPath = checkCgroupsPath(opts.path);
  const own = opts.own ?? readProcCgroup('self');
  const cgfs = opts.fs ?? nodeCgroupFs;
  if (layout === 'v2') return new V2Manager({ fs: cgfs, root, cgroupsPath, own, setDeviceProgram: opts.setDeviceProgram });
  return new V1Manager({ fs: cgfs, root, cgroupsPath, own, hybrid: layout === 'hybrid' });
}
