// From the cgroup manager's directories to what the container sees under /sys/fs/cgroup.
import * as fs from 'fs';
import * as path from 'path';
import { CgroupManager } from '../cgroups';
import { CgroupView } from './plan/mounts';

const CGROUP2_SUPER_MAGIC = 0x63677270;

export function cgroupView(cg: CgroupManager, cgroupRoot = '/sys/fs/cgroup'): CgroupView {
  const dirs = [...new Set(Object.values(cg.paths))];
  if (fs.statfsSync(cgroupRoot).type === CGROUP2_SUPER_MAGIC) {
    return { unifiedOnly: true, hierarchies: [{ name: '', hostDir: dirs[0] ?? cgroupRoot }] };
  }
  const hierarchies = dirs
    .map((dir) => ({ name: path.relative(cgroupRoot, dir).split('/')[0], hostDir: dir }))
    .filter((h) => h.name && !h.name.startsWith('..'));
  return { unifiedOnly: false, hierarchies };
}
