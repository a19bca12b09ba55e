// Container statistics in the shape of runc's `events --stats` JSON (runc types/events.go),
// and the serialiser that reproduces runc's output (uint64 exact, Go's omitempty rules).

export interface MemoryEntry {
  limit: bigint;
  usage: bigint;
  max: bigint;
  failcnt: bigint;
}

/** The v1 cpuset flag files (cpuset.<flag>), reported by runc as numbers. */
export const CPUSET_FLAGS = [
  'cpu_exclusive',
  'mem_hardwall',
  'mem_exclusive',
  'memory_migrate',
  'memory_spread_page',
  'memory_spread_slab',
  'memory_pressure',
  'sched_load_balance',
  'sched_relax_domain_level',
] as const;

export interface BlkioEntry {
  major: bigint;
  minor: bigint;
  op: string;
  value: bigint;
}

export interface CgroupStats {
  cpu: {
    usage: {
      total: bigint;
      percpu: bigint[];
      percpu_kernel: bigint[];
      percpu_user: bigint[];
      kernel: bigint;
      user: bigint;
    };
    throttling: { periods: bigint; throttledPeriods: bigint; throttledTime: bigint };
  };
  cpuset: {
    cpus: number[];
    cpu_exclusive: bigint;
    mems: number[];
    mem_hardwall: bigint;
    mem_exclusive: bigint;
    memory_migrate: bigint;
    memory_spread_page: bigint;
    memory_spread_slab: bigint;
    memory_pressure: bigint;
    sched_load_balance: bigint;
    sched_relax_domain_level: bigint;
  };
  memory: {
    cache: bigint;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw: Record<string, bigint>;
  };
  pids: { current: bigint; limit: bigint };
  blkio: {
    ioServiceBytesRecursive: BlkioEntry[];
    ioServicedRecursive: BlkioEntry[];
    ioQueueRecursive: BlkioEntry[];
    ioServiceTimeRecursive: BlkioEntry[];
    ioWaitTimeRecursive: BlkioEntry[];
    ioMergedRecursive: BlkioEntry[];
    ioTimeRecursive: BlkioEntry[];
    sectorsRecursive: BlkioEntry[];
  };
  hugetlb: Record<string, { usage: bigint; max: bigint; failcnt: bigint }>;
}

/** A memory entry with runc's field order. */
export const memoryEntry = (usage = 0n, max = 0n, failcnt = 0n, limit = 0n): MemoryEntry => ({ limit, usage, max, failcnt });

export function emptyStats(): CgroupStats {
  return {
    cpu: {
      usage: { total: 0n, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0n, user: 0n },
      throttling: { periods: 0n, throttledPeriods: 0n, throttledTime: 0n },
    },
    cpuset: {
      cpus: [],
      cpu_exclusive: 0n,
      mems: [],
      mem_hardwall: 0n,
      mem_exclusive: 0n,
      memory_migrate: 0n,
      memory_spread_page: 0n,
      memory_spread_slab: 0n,
      memory_pressure: 0n,
      sched_load_balance: 0n,
      sched_relax_domain_level: 0n,
    },
    memory: { cache: 0n, usage: memoryEntry(), swap: memoryEntry(), kernel: memoryEntry(), kernelTCP: memoryEntry(), raw: {} },
    pids: { current: 0n, limit: 0n },
    blkio: {
      ioServiceBytesRecursive: [],
      ioServicedRecursive: [],
      ioQueueRecursive: [],
      ioServiceTimeRecursive: [],
      ioWaitTimeRecursive: [],
      ioMergedRecursive: [],
      ioTimeRecursive: [],
      sectorsRecursive: [],
    },
    hugetlb: {},
  };
}

// Go's encoding/json: a field tagged omitempty disappears when it is 0, "", an empty slice or
// map; structs are never "empty". These are runc's untagged (always present) fields.
const ALWAYS = new Set<string>(['kernel', 'user', 'limit', 'failcnt', ...CPUSET_FLAGS]);

const omitsZero = (key: string | undefined, parent: string | undefined) =>
  key !== undefined && (!ALWAYS.has(key) || (parent === 'pids' && key === 'limit'));

const MEMORY_ENTRY_ORDER = ['limit', 'usage', 'max', 'failcnt'];

// Otherwise field order follows the object's insertion order, which emptyStats() fixes to runc's.
function encode(value: unknown, key: string | undefined, parent?: string): string | undefined {
  if (typeof value === 'bigint') return value === 0n && omitsZero(key, parent) ? undefined : value.toString();
  if (typeof value === 'number') return value === 0 && omitsZero(key, parent) ? undefined : String(value);
  if (typeof value === 'string') return value === '' && key !== undefined ? undefined : JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0 && key !== undefined) return undefined;
    return `[${value.map((v) => encode(v, undefined) ?? '0').join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    // A memory entry prints in runc's field order whoever built it.
    const entries = 'failcnt' in obj && 'limit' in obj ? MEMORY_ENTRY_ORDER.map((k) => [k, obj[k]] as [string, unknown]) : Object.entries(obj);
    // runc's raw and hugetlb maps are omitempty; structs always print.
    if (entries.length === 0 && (key === 'raw' || key === 'hugetlb')) return undefined;
    const isMap = key === 'raw' || key === 'hugetlb';
    const parts: string[] = [];
    for (const [k, v] of entries) {
      const enc = isMap ? encode(v, undefined) : encode(v, k, key);
      if (enc !== undefined) parts.push(`${JSON.stringify(k)}:${enc}`);
    }
    return `{${parts.join(',')}}`;
  }
  return 'null';
}

/**
 * The stats as runc's `events --stats` data object (exact uint64s, zero counters omitted where
 * runc omits them, plus runc's non-cgroup members intel_rdt and network_interfaces).
 */
export function statsToRuncJson(stats: CgroupStats): string {
  const body = encode(stats, undefined) as string;
  return `${body.slice(0, -1)},"intel_rdt":{},"network_interfaces":null}`;
}
