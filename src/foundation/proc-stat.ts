// /proc/<pid>/stat (proc(5)): "pid (comm) state ppid ... starttime ...". comm may hold spaces
// and parentheses, so the fields after it are taken from the last ')'.
import * as fs from 'fs';

export interface ProcStat {
  /** R, S, D, Z, T, X, ... */
  state: string;
  ppid: number;
  /** field 22, clock ticks since boot, kept as the kernel's decimal text */
  startTime: string;
}

export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state)
  if (fields.length < 20) return undefined;
  return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19] };
}

/** The stat of a process, or undefined when it is gone. */
export function readProcStat(pid: number | string): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseProcStat(text);
}
