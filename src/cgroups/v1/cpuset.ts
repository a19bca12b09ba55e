// v1 cpuset: a new cpuset has empty cpus/mems and refuses tasks, so every level is seeded from
// its parent when created; then linux.resources.cpu.cpus/mems are written.
import * as path from 'path';
import { CgroupDir, CgroupFs } from '../fs';
import { parseCpuList, parseUint } from '../parse';
import { CPUSET_FLAGS } from '../stats';
import type { V1Controller } from './controller';

/** Copies the parent's cpus and mems into a freshly made cpuset level that has none. */
export function seedCpusetLevel(fs: CgroupFs, level: string): void {
  const dir = new CgroupDir(fs, level);
  const parent = new CgroupDir(fs, path.dirname(level));
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if ((dir.readIfPresent(file) ?? '').trim() === '') dir.write(file, parent.read(file).trim());
  }
}

export const cpusetV1: V1Controller = {
  name: 'cpuset',
  apply(dir, r) {
    if (r.cpu?.cpus) dir.write('cpuset.cpus', r.cpu.cpus);
    if (r.cpu?.mems) dir.write('cpuset.mems', r.cpu.mems);
  },
  stats(dir, s) {
    s.cpuset.cpus = parseCpuList(dir.readIfPresent('cpuset.cpus') ?? '') ?? [];
    s.cpuset.mems = parseCpuList(dir.readIfPresent('cpuset.mems') ?? '') ?? [];
    for (const flag of CPUSET_FLAGS) {
      const text = dir.readIfPresent(`cpuset.${flag}`);
      // sched_relax_domain_level may be -1 ("system default").
      s.cpuset[flag] = text !== undefined && text.trim() !== '-1' ? parseUint(text) : 0n;
    }
  },
};
