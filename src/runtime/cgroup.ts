// The container's cgroup as the runtime opens it: the cgroup library with the addon's eBPF
// device filter plugged in for cgroup v2.
import { CgroupManager, openCgroup } from '../cgroups';
import { attachDeviceProgram } from '../native';
import { RuntsError } from './errors';

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

/** The container's cgroup; an empty path is the no-cgroup case (see NO_CGROUP). */
export function containerCgroup(path: string): CgroupManager {
  if (!path) return NO_CGROUP;
  return openCgroup({ path, setDeviceProgram: (dir, program) => attachDeviceProgram(dir, program.defaultAllow, program.rules) });
}
