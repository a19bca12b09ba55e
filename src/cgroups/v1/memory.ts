// v1 memory: limit_in_bytes, memsw (memory+swap), soft limit, kmem.tcp, oom_control, swappiness.
import { RuntsError } from '../../foundation/errors';
import type { CgroupDir } from '../fs';
import { parseKeyed, parseUint } from '../parse';
import { MemoryEntry, memoryEntry } from '../stats';
import type { V1Controller } from './controller';

const LIMIT = 'memory.limit_in_bytes';
const SWAP = 'memory.memsw.limit_in_bytes';

function checkUsage(dir: CgroupDir, limit: number): void {
  const usage = parseUint(dir.read('memory.usage_in_bytes'));
  if (limit > 0 && BigInt(limit) < usage) {
    throw new RuntsError(`cgroup: memory limit ${limit} is below the current usage ${usage} of ${dir.dir}`, 'invalid');
  }
}

function entry(dir: CgroupDir, prefix: string): MemoryEntry {
  const f = (name: string) => parseUint(dir.readIfPresent(`memory.${prefix}${name}`));
  return memoryEntry(f('usage_in_bytes'), f('max_usage_in_bytes'), f('failcnt'), f('limit_in_bytes'));
}

export const memoryV1: V1Controller = {
  name: 'memory',
  apply(dir, r) {
    const m = r.memory;
    if (!m) return;
    let limit = m.limit ?? 0;
    let swap = m.swap ?? 0;
    // Unlimited memory with swap unset means both unlimited (when swap accounting exists).
    if (limit === -1 && swap === 0 && dir.has(SWAP)) swap = -1;
    if (m.checkBeforeUpdate && limit > 0) checkUsage(dir, limit);
    if (limit !== 0 && swap !== 0) {
      // The kernel wants limit <= memsw at every moment: raise memsw first when growing.
      const current = parseUint(dir.read(LIMIT));
      if (swap === -1 || current < BigInt(swap)) {
        dir.write(SWAP, swap);
        dir.write(LIMIT, limit);
      } else {
        dir.write(LIMIT, limit);
        dir.write(SWAP, swap);
      }
    } else {
      if (limit !== 0) dir.write(LIMIT, limit);
      if (swap !== 0) dir.write(SWAP, swap);
    }
    if (m.reservation) dir.write('memory.soft_limit_in_bytes', m.reservation);
    // memory.kernel (kmem.limit_in_bytes) is deprecated by the spec and refused by new kernels:
    // ignored, as runc 1.1 does.
    if (m.kernelTCP) dir.write('memory.kmem.tcp.limit_in_bytes', m.kernelTCP);
    if (m.disableOOMKiller) dir.write('memory.oom_control', '1');
    if (m.swappiness !== undefined && m.swappiness !== -1) dir.write('memory.swappiness', m.swappiness);
    if (m.useHierarchy && dir.has('memory.use_hierarchy')) dir.write('memory.use_hierarchy', '1');
  },
  stats(dir, s) {
    const raw = parseKeyed(dir.readIfPresent('memory.stat'));
    s.memory.raw = Object.fromEntries(raw);
    s.memory.cache = raw.get('cache') ?? 0n;
    s.memory.usage = entry(dir, '');
    s.memory.swap = entry(dir, 'memsw.');
    s.memory.kernel = entry(dir, 'kmem.');
    s.memory.kernelTCP = entry(dir, 'kmem.tcp.');
  },
};

/** The oom_kill counter of memory.oom_control (kernel 4.13+). */
export function oomKillsV1(dir: CgroupDir): number {
  return Number(parseKeyed(dir.readIfPresent('memory.oom_control')).get('oom_kill') ?? 0n);
}
