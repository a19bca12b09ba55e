// The cgroup v1 hierarchies as the kernel reports them (/proc/self/mountinfo), not as a listing
// of the cgroup root shows them: a stray directory there (an empty /sys/fs/cgroup/hugetlb left
// by some tool) is no hierarchy, and writing into it would only create files on the tmpfs.
import * as path from 'path';
import { parseMountInfo } from '../foundation/mountinfo';

export interface V1Mount {
  /** Where the hierarchy is mounted, e.g. /sys/fs/cgroup/cpu,cpuacct */
  mount: string;
  /** Controllers it carries (empty for a named hierarchy such as name=systemd). */
  controllers: string[];
  /** The key of this hierarchy in /proc/<pid>/cgroup: its first controller, or "name=X". */
  key: string;
}

// Super options of a v1 cgroup mount that are not controllers.
const NOT_CONTROLLERS = new Set(['rw', 'ro', 'xattr', 'noprefix', 'clone_children', 'cpuset_v2_mode', 'none', 'all']);

/** The v1 hierarchies mounted directly below `root`. */
export function v1Mounts(mountinfo: string, root: string): V1Mount[] {
  const out: V1Mount[] = [];
  for (const { mountPoint: mount, fsType, superOptions } of parseMountInfo(mountinfo)) {
    if (fsType !== 'cgroup' || path.dirname(mount) !== root) continue;
    const options = superOptions.filter((o) => !NOT_CONTROLLERS.has(o) && !o.startsWith('release_agent='));
    const named = options.find((o) => o.startsWith('name='));
    const controllers = options.filter((o) => !o.startsWith('name='));
    const key = controllers[0] ?? named;
    if (key) out.push({ mount, controllers, key });
  }
  return out;
}
