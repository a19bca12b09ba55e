// hugetlb on v1 (<size>.limit_in_bytes) and v2 (<size>.max); reservations follow the limit.
import { RuntsError } from '../../foundation/errors';
import type { CgroupDir } from '../fs';
import { parseKeyed, parseUint } from '../parse';
import type { LinuxResources } from '../resources';
import type { CgroupStats } from '../stats';
import type { V1Controller } from './controller';

type Version = 'v1' | 'v2';

const LIMIT_FILE: Record<Version, [string, string]> = {
  v1: ['limit_in_bytes', 'rsvd.limit_in_bytes'],
  v2: ['max', 'rsvd.max'],
};

export function applyHugetlb(dir: CgroupDir, r: LinuxResources, v: Version): void {
  const [limitFile, rsvdFile] = LIMIT_FILE[v];
  for (const h of r.hugepageLimits ?? []) {
    const value = h.limit === -1 ? (v === 'v2' ? 'max' : '-1') : String(h.limit);
    const file = `hugetlb.${h.pageSize}.${limitFile}`;
    if (!dir.has(file)) {
      throw new RuntsError(`cgroup: hugetlb page size ${h.pageSize} is not supported by this kernel (no ${dir.file(file)})`, 'invalid');
    }
    dir.write(file, value);
    // Reservation accounting (kernel 5.7+) is limited alongside, as runc does.
    if (dir.has(`hugetlb.${h.pageSize}.${rsvdFile}`)) dir.write(`hugetlb.${h.pageSize}.${rsvdFile}`, value);
  }
}

export function hugetlbStats(dir: CgroupDir, s: CgroupStats, v: Version): void {
  for (const f of dir.fs.files(dir.dir)) {
    const m = /^hugetlb\.([0-9]+[KMGT]B)\.(limit_in_bytes|max)$/.exec(f);
    if (!m) continue;
    const size = m[1];
    if (v === 'v1') {
      s.hugetlb[size] = {
        usage: parseUint(dir.readIfPresent(`hugetlb.${size}.usage_in_bytes`)),
        max: parseUint(dir.readIfPresent(`hugetlb.${size}.max_usage_in_bytes`)),
        failcnt: parseUint(dir.readIfPresent(`hugetlb.${size}.failcnt`)),
      };
    } else {
      s.hugetlb[size] = {
        usage: parseUint(dir.readIfPresent(`hugetlb.${size}.current`)),
        max: 0n,
        failcnt: parseKeyed(dir.readIfPresent(`hugetlb.${size}.events`)).get('max') ?? 0n,
      };
    }
  }
}

export const hugetlbV1: V1Controller = {
  name: 'hugetlb',
  apply: (dir, r) => applyHugetlb(dir, r, 'v1'),
  stats: (dir, s) => hugetlbStats(dir, s, 'v1'),
};
