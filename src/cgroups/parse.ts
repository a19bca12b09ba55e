// Parsers for the cgroupfs file formats. Counters are bigint: cgroup values are uint64 and
// "unlimited" is 2^64-1 or 2^63-4096, which a JS number cannot hold exactly.

export const MAX_UINT64 = (1n << 64n) - 1n;

/** A single value; "max" means unlimited (2^64-1, as runc reports it). */
export function parseUint(text: string | undefined): bigint {
  if (text === undefined) return 0n;
  const t = text.trim();
  if (t === '' ) return 0n;
  if (t === 'max') return MAX_UINT64;
  // Some v1 files report -1 for "no limit".
  if (t.startsWith('-')) return MAX_UINT64;
  return BigInt(t);
}

/** "key value" lines (memory.stat, cpu.stat, memory.events...). */
export function parseKeyed(text: string | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (!text) return out;
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$|^max$/.test(v)) out.set(k, parseUint(v));
  }
  return out;
}

/** Space separated numbers (cpuacct.usage_percpu). */
export function parseList(text: string | undefined): bigint[] {
  if (!text) return [];
  return text
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '')
    .map((s) => BigInt(s));
}

/** A cpuset list like "0-3,6" into [0,1,2,3,6]; undefined when malformed. */
export function parseCpuList(text: string): number[] | undefined {
  const t = text.trim();
  if (t === '') return [];
  const out: number[] = [];
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 65535) return undefined;
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}
