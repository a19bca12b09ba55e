// Reading cgroup interface files for metrics: 64-bit counters stay exact (decimal strings,
// which protobufjs encodes as uint64 without going through a double), and a file the kernel
// does not offer reads as zero, as containerd's cgroups package does.
import * as fs from 'fs';
import * as path from 'path';

export type U64 = string;

export const ZERO: U64 = '0';

export function u64(text: string | undefined): U64 {
  return text && /^\d+$/.test(text) ? text : ZERO;
}

export function readText(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export const readU64 = (dir: string, file: string): U64 => u64(readText(dir, file));

/** "key value" lines (memory.stat, cpu.stat, ...) as a map of exact counters. */
export function readKeyed(dir: string, file: string): Map<string, U64> {
  const out = new Map<string, U64>();
  for (const line of (readText(dir, file) ?? '').split('\n')) {
    const [key, value] = line.split(/\s+/);
    if (key && value !== undefined) out.set(key, u64(value));
  }
  return out;
}

