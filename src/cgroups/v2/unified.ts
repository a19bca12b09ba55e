// linux.resources.unified: raw cgroup v2 files written as given, after everything else so they
// win over the mapped values (runc's order).
import { RuntsError } from '../../foundation/errors';
import type { CgroupDir } from '../fs';
import type { LinuxResources } from '../resources';

export function applyUnified(dir: CgroupDir, r: LinuxResources, available: Set<string>): void {
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    if (!dir.has(key)) {
      const controller = key.split('.')[0];
      const why = controller !== 'cgroup' && !available.has(controller) ? `the ${controller} controller is not available here` : 'no such cgroup file';
      throw new RuntsError(`cgroup: linux.resources.unified.${key} cannot be set in ${dir.dir}: ${why}`, 'invalid');
    }
    dir.write(key, value);
  }
}
