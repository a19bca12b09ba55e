// v1 cpu: shares, CFS quota/period/burst, realtime runtime/period, idle; throttling stats.
import { RuntsError } from '../../foundation/errors';
import { parseKeyed, parseUint } from '../parse';
import type { V1Controller } from './controller';

export const cpuV1: V1Controller = {
  name: 'cpu',
  apply(dir, r) {
    const c = r.cpu;
    if (!c) return;
    if (c.shares) {
      dir.write('cpu.shares', c.shares);
      // The kernel clamps silently; say so instead of running with another value.
      const actual = Number(parseUint(dir.read('cpu.shares')));
      if (actual !== c.shares) {
        throw new RuntsError(`cgroup: cpu.shares ${c.shares} was clamped to ${actual} by the kernel in ${dir.dir}`, 'invalid');
      }
    }
    let periodPending = false;
    if (c.period) {
      try {
        dir.write('cpu.cfs_period_us', c.period);
      } catch (e) {
        // A shorter period can be refused while the old quota is in place (old_quota/new_period
        // exceeds the parent): set the quota first, then retry the period.
        if (!c.quota) throw e;
        periodPending = true;
      }
    }
    if (c.quota) {
      dir.write('cpu.cfs_quota_us', c.quota);
      if (periodPending) dir.write('cpu.cfs_period_us', c.period as number);
    }
    if (c.burst !== undefined && (c.burst !== 0 || dir.has('cpu.cfs_burst_us'))) dir.write('cpu.cfs_burst_us', c.burst);
    if (c.realtimePeriod) dir.write('cpu.rt_period_us', c.realtimePeriod);
    if (c.realtimeRuntime) dir.write('cpu.rt_runtime_us', c.realtimeRuntime);
    if (c.idle !== undefined) dir.write('cpu.idle', c.idle);
  },
  stats(dir, s) {
    const st = parseKeyed(dir.readIfPresent('cpu.stat'));
    s.cpu.throttling = {
      periods: st.get('nr_periods') ?? 0n,
      throttledPeriods: st.get('nr_throttled') ?? 0n,
      throttledTime: st.get('throttled_time') ?? 0n,
    };
  },
};
