// v2 cpuset: cpuset.cpus / cpuset.mems (v2 inherits effective values, so no seeding is needed).
import { parseCpuList } from '../parse';
import type { V2Controller } from './controller';

export const cpusetV2: V2Controller = {
  name: 'cpuset',
  apply(dir, r) {
    if (r.cpu?.cpus) dir.write('cpuset.cpus', r.cpu.cpus);
    if (r.cpu?.mems) dir.write('cpuset.mems', r.cpu.mems);
  },
  stats(dir, s) {
    s.cpuset.cpus = parseCpuList(dir.readIfPresent('cpuset.cpus.effective') ?? '') ?? [];
    s.cpuset.mems = parseCpuList(dir.readIfPresent('cpuset.mems.effective') ?? '') ?? [];
  },
};
