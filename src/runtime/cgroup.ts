// The container's cgroup as the runtime opens it: the cgroup library with the addon's eBPF
// device filter plugged in for cgroup v2.
import { CgroupManager, openCgroup } from '../cgroups';
import { attachDeviceProgram } from '../native';

export function containerCgroup(path: string): CgroupManager {
  return openCgroup({ path, setDeviceProgram: (dir, program) => attachDeviceProgram(dir, program.defaultAllow, program.rules) });
}
