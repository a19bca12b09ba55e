// pids.max (same file on v1 and v2): a negative limit means "max", 0 leaves it unset.
import type { CgroupDir } from '../fs';
import { MAX_UINT64, parseUint } from '../parse';
import type { LinuxResources } from '../resources';
import type { CgroupStats } from '../stats';
import type { V1Controller } from './controller';

export function applyPids(dir: CgroupDir, r: LinuxResources): void {
  const limit = r.pids?.limit;
  if (!limit) return;
  dir.write('pids.max', limit > 0 ? String(limit) : 'max');
}

export function pidsStats(dir: CgroupDir, s: CgroupStats): void {
  const max = parseUint(dir.readIfPresent('pids.max'));
  // runc reports "no limit" as 0.
  s.pids = { current: parseUint(dir.readIfPresent('pids.current')), limit: max === MAX_UINT64 ? 0n : max };
}

export const pidsV1: V1Controller = { name: 'pids', apply: applyPids, stats: pidsStats };
