// v2 memory: memory.max, memory.low, memory.swap.max (OCI swap is memory+swap; v2 swap is swap
// alone, converted as runc does).
import { RuntsError } from '../../foundation/errors';
import { memorySwapToV2, v2Value } from '../convert';
import type { CgroupDir } from '../fs';
import { MAX_UINT64, parseKeyed, parseUint } from '../parse';
import { MemoryEntry, memoryEntry } from '../stats';
import type { V2Controller } from './controller';

function entry(dir: CgroupDir, prefix: string): MemoryEntry {
  const f = (name: string) => parseUint(dir.readIfPresent(`${prefix}.${name}`));
  return memoryEntry(f('current'), f('peak'), 0n, f('max'));
}

export const memoryV2: V2Controller = {
  name: 'memory',
  apply(dir, r) {
    const m = r.memory;
    if (!m) return;
    const limit = m.limit ?? 0;
    if (m.checkBeforeUpdate && limit > 0) {
      const usage = parseUint(dir.read('memory.current'));
      if (BigInt(limit) < usage) {
        throw new RuntsError(`cgroup: memory limit ${limit} is below the current usage ${usage} of ${dir.dir}`, 'invalid');
      }
    }
    const swap = memorySwapToV2(m.swap ?? 0, limit);
    let swapText = v2Value(swap);
    // swap == limit means "no swap at all".
    if (swapText === undefined && swap === 0 && (m.swap ?? 0) > 0) swapText = '0';
    if (swapText !== undefined) {
      if (dir.has('memory.swap.max')) dir.write('memory.swap.max', swapText);
      else if (swapText !== 'max' && swapText !== '0') {
        throw new RuntsError(`cgroup: memory.swap cannot be limited: the kernel has no swap accounting (${dir.file('memory.swap.max')} is missing)`, 'invalid');
      }
    }
    const max = v2Value(limit);
    if (max !== undefined) dir.write('memory.max', max);
    // memory.kernel is deprecated and has no v2 file: ignored, as runc does.
    const low = v2Value(m.reservation ?? 0);
    if (low !== undefined) dir.write('memory.low', low);
  },
  stats(dir, s) {
    const raw = parseKeyed(dir.readIfPresent('memory.stat'));
    s.memory.raw = Object.fromEntries(raw);
    s.memory.cache = raw.get('file') ?? 0n;
    const usage = entry(dir, 'memory');
    usage.failcnt = parseKeyed(dir.readIfPresent('memory.events')).get('max') ?? 0n;
    s.memory.usage = usage;
    // v1 reports swap as memory+swap; runc keeps that meaning on v2.
    if (dir.has('memory.swap.current')) {
      const swap = entry(dir, 'memory.swap');
      swap.usage += usage.usage;
      if (swap.limit !== MAX_UINT64) swap.limit += usage.limit;
      s.memory.swap = swap;
    }
  },
};

/** The oom_kill counter of memory.events. */
export function oomKillsV2(dir: CgroupDir): number {
  return Number(parseKeyed(dir.readIfPresent('memory.events')).get('oom_kill') ?? 0n);
}
