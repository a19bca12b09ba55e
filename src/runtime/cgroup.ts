// The container's cgroup as the runtime opens it: the cgroup library with the addon's eBPF
// device filter plugged in for cgroup v2.
import { CgroupManager, openCgroup } from '../cgroups';
import type { ContainerRecord } from './state-store';
import { attachDeviceProgram } from '../native';
import { RuntsError } from '../foundation/errors';

/** A rootless container without delegated cgroups: placement is a no-op, control is refused. */
const unavailable = (what: string) => () => {
  throw new RuntsError(`${what}: the container has no cgroup (rootless without cgroup delegation)`, 'unsupported');
};
export const NO_CGROUP: CgroupManager = {
  layout: 'v2',
  paths: {},
  validateResources() {},
  create() {},
  addProcess() {},
  applyResources() {},
  pids: () => [],
  freeze: unavailable('pause'),
  thaw: unavailable('resume'),
  state: () => 'thawed',
  stats: unavailable('stats'),
  oomKillCount: () => 0,
  killAll() {},
  destroy() {},
};

/** The container's cgroup; an empty path is the no-cgroup case (see NO_CGROUP). A relative
 * path is resolved under `parent` (the creator's own cgroups), or under this process's own. */
export function containerCgroup(path: string, parent?: Record<string, string>): CgroupManager {
  if (!path) return NO_CGROUP;
  const own = parent ? new Map(Object.entries(parent)) : undefined;
  return openCgroup({ path, own, setDeviceProgram: (dir, program) => attachDeviceProgram(dir, program.defaultAllow, program.rules) });
}

/** The cgroup of a created container, as its record names it. */
export const recordCgroup = (rec: ContainerRecord, path = rec.cgroupsPath): CgroupManager => containerCgroup(path, rec.cgroupParent);
