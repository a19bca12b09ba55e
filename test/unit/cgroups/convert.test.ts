import { blkioWeightToIoWeight, cpuSharesToWeight, memorySwapToV2 } from '../../../src/cgroups/convert';
import { RuntsError } from '../../../src/foundation/errors';

describe('cpu.shares -> cpu.weight (runc 1.1 linear mapping)', () => {
  it.each([
    [0, 0],
    [2, 1],
    [512, 20],
    [1024, 39],
    [2048, 79],
    [262144, 10000],
  ])('shares %d -> weight %d', (shares, weight) => {
    expect(cpuSharesToWeight(shares)).toBe(weight);
  });
});

describe('blkio.weight -> io.weight', () => {
  it.each([
    [0, 0],
    [10, 1],
    [500, 4950],
    [1000, 10000],
  ])('weight %d -> %d', (w, io) => {
    expect(blkioWeightToIoWeight(w)).toBe(io);
  });
});

describe('memory.swap (memory+swap) -> memory.swap.max', () => {
  it.each([
    // [swap, limit, memory.swap.max]
    [0, -1, -1], // unlimited memory, swap unset: both unlimited
    [0, 1000, 0], // swap unset: leave it
    [-1, 1000, -1], // unlimited swap
    [3000, 1000, 2000], // memory+swap 3000 = 1000 memory + 2000 swap
    [1000, 1000, 0], // equal: no swap
  ])('swap %d with limit %d -> %d', (swap, limit, v2) => {
    expect(memorySwapToV2(swap, limit)).toBe(v2);
  });

  it('refuses swap below the limit and swap without a limit', () => {
    expect(() => memorySwapToV2(500, 1000)).toThrow(/below memory.limit 1000/);
    expect(() => memorySwapToV2(500, 0)).toThrow(RuntsError);
    expect(() => memorySwapToV2(500, -1)).toThrow(/needs a memory.limit/);
  });
});
