import { emptyStats, statsToRuncJson } from '../../../src/cgroups/stats';

describe("stats in runc's events JSON", () => {
  it('prints uint64s exactly and omits zero counters as runc does', () => {
    const s = emptyStats();
    s.memory.usage = { usage: 4096n, limit: (1n << 64n) - 1n, max: 0n, failcnt: 0n };
    s.pids.current = 2n;
    s.cpu.usage.total = 123n;
    s.cpu.usage.percpu = [100n, 23n];
    s.hugetlb['2MB'] = { usage: 0n, max: 0n, failcnt: 0n };
    s.memory.raw = { cache: 0n, rss: 5n };
    const text = statsToRuncJson(s);
    expect(text).toContain('"memory":{"usage":{"limit":18446744073709551615,"usage":4096,"failcnt":0},"swap":{"limit":0,"failcnt":0}');
    expect(text).toContain('"pids":{"current":2}');
    expect(text).toContain('"cpu":{"usage":{"total":123,"percpu":[100,23],"kernel":0,"user":0},"throttling":{}}');
    expect(text).toContain('"hugetlb":{"2MB":{"failcnt":0}}');
    expect(text).toContain('"raw":{"cache":0,"rss":5}');
    expect(text).toContain('"blkio":{}');
    expect(text.endsWith(',"intel_rdt":{},"network_interfaces":null}')).toBe(true);
    // Valid JSON (big numbers lose precision in JS, not in Go).
    expect(JSON.parse(text).memory.kernel).toEqual({ limit: 0, failcnt: 0 });
  });
});
