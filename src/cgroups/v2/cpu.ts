// v2 cpu: cpu.weight (from shares), cpu.max "quota period", cpu.max.burst, cpu.idle; cpu.stat.
import { cpuSharesToWeight } from '../convert';
import type { CgroupDir } from '../fs';
import { parseKeyed } from '../parse';
import type { CgroupStats } from '../stats';
import type { V2Controller } from './controller';

export const cpuV2: V2Controller = {
  name: 'cpu',
  apply(dir, r) {
    const c = r.cpu;
    if (!c) return;
    if (c.idle !== undefined) dir.write('cpu.idle', c.idle);
    if (c.shares) dir.write('cpu.weight', cpuSharesToWeight(c.shares));
    if (c.quota || c.period) {
      // Without a period only the quota changes (the kernel keeps its period).
      let max = c.quota && c.quota > 0 ? String(c.quota) : 'max';
      if (c.period) max += ` ${c.period}`;
      dir.write('cpu.max', max);
    }
    if (c.burst !== undefined) dir.write('cpu.max.burst', c.burst);
  },
  stats: cpuStatsV2,
};

/** cpu.stat (microseconds) in runc's nanosecond fields; present even without the cpu controller. */
export function cpuStatsV2(dir: CgroupDir, s: CgroupStats): void {
  const st = parseKeyed(dir.readIfPresent('cpu.stat'));
  const us = (k: string) => (st.get(k) ?? 0n) * 1000n;
  s.cpu.usage.total = us('usage_usec');
  s.cpu.usage.user = us('user_usec');
  s.cpu.usage.kernel = us('system_usec');
  s.cpu.throttling = {
    periods: st.get('nr_periods') ?? 0n,
    throttledPeriods: st.get('nr_throttled') ?? 0n,
    throttledTime: us('throttled_usec'),
  };
}
