// io.containerd.cgroups.v2.Metrics from a task's unified cgroup: pids, cpu, memory and its
// events.
import * as fs from 'fs';
import * as path from 'path';
import { readKeyed, readU64, U64, ZERO } from './cgroup-files';

/** Where cgroup2 is mounted: /sys/fs/cgroup on unified hosts, .../unified on hybrid ones. */
export function unifiedRoot(): string {
  return fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
}

// memory.stat keys that MemoryStat carries under the same names (camelCased)
const MEMORY_STAT_KEYS = [
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan',
  'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
];

export function collectV2(cgroupPath: string): Record<string, unknown> {
  const dir = path.join(unifiedRoot(), cgroupPath);
  const cpu = readKeyed(dir, 'cpu.stat');
  const memoryStat = readKeyed(dir, 'memory.stat');
  const events = readKeyed(dir, 'memory.events');
  const memory: Record<string, U64> = {
    usage: readU64(dir, 'memory.current'),
    usageLimit: readU64(dir, 'memory.max'),
    swapUsage: readU64(dir, 'memory.swap.current'),
    swapLimit: readU64(dir, 'memory.swap.max'),
  };
  for (const key of MEMORY_STAT_KEYS) memory[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = memoryStat.get(key) ?? ZERO;
  return {
    pids: { current: readU64(dir, 'pids.current'), limit: readU64(dir, 'pids.max') },
    cpu: {
      usageUsec: cpu.get('usage_usec') ?? ZERO,
      userUsec: cpu.get('user_usec') ?? ZERO,
      systemUsec: cpu.get('system_usec') ?? ZERO,
      nrPeriods: cpu.get('nr_periods') ?? ZERO,
      nrThrottled: cpu.get('nr_throttled') ?? ZERO,
      throttledUsec: cpu.get('throttled_usec') ?? ZERO,
    },
    memory,
    memoryEvents: {
      low: events.get('low') ?? ZERO,
      high: events.get('high') ?? ZERO,
      max: events.get('max') ?? ZERO,
      oom: events.get('oom') ?? ZERO,
      oomKill: events.get('oom_kill') ?? ZERO,
    },
  };
}

