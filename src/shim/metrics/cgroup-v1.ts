// io.containerd.cgroups.v1.Metrics from a task's v1 hierarchies: pids, cpu(acct), memory and
// its OOM control, read the way containerd's cgroups package reads them.
import * as path from 'path';
import { readKeyed, readText, readU64, u64, U64, ZERO } from './cgroup-files';

const V1_ROOT = '/sys/fs/cgroup';
/** USER_HZ: cpuacct.stat counts ticks of 1/100 s */
const NANOS_PER_TICK = 10_000_000n;

export function collectV1(cgroups: Map<string, string>): Record<string, unknown> {
  const dir = (controller: string) => {
    const p = cgroups.get(controller);
    return p === undefined ? undefined : path.join(V1_ROOT, controller, p);
  };
  const metrics: Record<string, unknown> = {};
  const pids = dir('pids');
  if (pids) metrics.pids = { current: readU64(pids, 'pids.current'), limit: readU64(pids, 'pids.max') };
  const cpuacct = dir('cpuacct');
  const cpu = dir('cpu');
  if (cpuacct || cpu) {
    const stat = cpuacct ? readKeyed(cpuacct, 'cpuacct.stat') : new Map<string, U64>();
    const throttle = cpu ? readKeyed(cpu, 'cpu.stat') : new Map<string, U64>();
    metrics.cpu = {
      usage: {
        total: cpuacct ? readU64(cpuacct, 'cpuacct.usage') : ZERO,
        kernel: ticksToNanos(stat.get('system')),
        user: ticksToNanos(stat.get('user')),
        perCpu: cpuacct ? (readText(cpuacct, 'cpuacct.usage_percpu') ?? '').split(/\s+/).filter(Boolean).map(u64) : [],
      },
      throttling: {
        periods: throttle.get('nr_periods') ?? ZERO,
        throttledPeriods: throttle.get('nr_throttled') ?? ZERO,
        throttledTime: throttle.get('throttled_time') ?? ZERO,
      },
    };
  }
  const memory = dir('memory');
  if (memory) {
    metrics.memory = memoryStat(memory);
    const oom = readKeyed(memory, 'memory.oom_control');
    metrics.memoryOomControl = {
      oomKillDisable: oom.get('oom_kill_disable') ?? ZERO,
      underOom: oom.get('under_oom') ?? ZERO,
      oomKill: oom.get('oom_kill') ?? ZERO,
    };
  }
  return metrics;
}

function ticksToNanos(ticks: U64 | undefined): U64 {
  return ticks ? (BigInt(ticks) * NANOS_PER_TICK).toString() : ZERO;
}

// memory.stat key -> MemoryStat field; the total_* keys follow the same pattern
const MEMORY_STAT_FIELDS: Record<string, string> = {
  cache: 'cache',
  rss: 'rss',
  rss_huge: 'rssHuge',
  mapped_file: 'mappedFile',
  dirty: 'dirty',
  writeback: 'writeback',
  pgpgin: 'pgPgIn',
  pgpgout: 'pgPgOut',
  pgfault: 'pgFault',
  pgmajfault: 'pgMajFault',
  inactive_anon: 'inactiveAnon',
  active_anon: 'activeAnon',
  inactive_file: 'inactiveFile',
  active_file: 'activeFile',
  unevictable: 'unevictable',
};

function memoryStat(dir: string): Record<string, unknown> {
  const stat = readKeyed(dir, 'memory.stat');
  const out: Record<string, unknown> = {
    hierarchicalMemoryLimit: stat.get('hierarchical_memory_limit') ?? ZERO,
    hierarchicalSwapLimit: stat.get('hierarchical_memsw_limit') ?? ZERO,
  };
  for (const [key, field] of Object.entries(MEMORY_STAT_FIELDS)) {
    out[field] = stat.get(key) ?? ZERO;
    out[`total${field[0].toUpperCase()}${field.slice(1)}`] = stat.get(`total_${key}`) ?? ZERO;
  }
  const entry = (prefix: string) => ({
    usage: readU64(dir, `${prefix}.usage_in_bytes`),
    limit: readU64(dir, `${prefix}.limit_in_bytes`),
    max: readU64(dir, `${prefix}.max_usage_in_bytes`),
    failcnt: readU64(dir, `${prefix}.failcnt`),
  });
  out.usage = entry('memory');
  out.swap = entry('memory.memsw');
  out.kernel = entry('memory.kmem');
  out.kernelTcp = entry('memory.kmem.tcp');
  return out;
}
