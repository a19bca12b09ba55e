// Value conversions between the v1-shaped OCI fields and cgroup v2 files, with runc 1.1's
// arithmetic so a container gets the same limits under runts as under runc.
import { invalid } from '../foundation/errors';

/** cpu.shares [2..262144] onto cpu.weight [1..10000], linearly (runc 1.1). 0 means unset. */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio.weight [10..1000] onto io.weight [1..10000], linearly (runc). 0 means unset. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * The OCI `memory.swap` is memory+swap (the v1 memsw meaning); v2's memory.swap.max is swap
 * alone. Returns the memory.swap.max value: -1 for "max", 0 for "leave unset", else bytes.
 */
export function memorySwapToV2(swap: number, limit: number): number {
  // Unlimited memory with no explicit swap means "both unlimited" (as on v1).
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0 || limit === -1) {
    throw invalid(`memory.swap ${swap} needs a memory.limit: swap is memory+swap, so it cannot be set without a memory limit`);
  }
  if (swap < limit) {
    throw invalid(`memory.swap ${swap} is below memory.limit ${limit}: memory.swap is memory+swap and must be >= memory.limit`);
  }
  return swap - limit;
}

/** cgroup v2 number syntax: 0 is "not set", -1 is "max". */
export function v2Value(n: number): string | undefined {
  if (n === 0) return undefined;
  if (n === -1) return 'max';
  return String(n);
}
