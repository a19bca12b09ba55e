// v1 cpuacct: usage counters only (no resources to set).
import { parseKeyed, parseList, parseUint } from '../parse';
import type { V1Controller } from './controller';

// cpuacct.stat counts USER_HZ ticks, which is 100 on Linux.
const NS_PER_TICK = 10_000_000n;

export const cpuacctV1: V1Controller = {
  name: 'cpuacct',
  apply() {},
  stats(dir, s) {
    const ticks = parseKeyed(dir.readIfPresent('cpuacct.stat'));
    s.cpu.usage = {
      total: parseUint(dir.readIfPresent('cpuacct.usage')),
      percpu: parseList(dir.readIfPresent('cpuacct.usage_percpu')),
      percpu_kernel: parseList(dir.readIfPresent('cpuacct.usage_percpu_sys')),
      percpu_user: parseList(dir.readIfPresent('cpuacct.usage_percpu_user')),
      kernel: (ticks.get('system') ?? 0n) * NS_PER_TICK,
      user: (ticks.get('user') ?? 0n) * NS_PER_TICK,
    };
  },
};
