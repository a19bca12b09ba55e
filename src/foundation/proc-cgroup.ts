// /proc/<pid>/cgroup (cgroups(7)): "hierarchy-id:controller,controller:path" per v1 hierarchy
// ("name=systemd" for a named one) and "0::path" for cgroup2.
import * as fs from 'fs';

/** Hierarchy key ("cpu", "name=systemd", "" for cgroup2) -> the process's cgroup path in it. */
export type ProcCgroups = Map<string, string>;

export function parseProcCgroup(text: string): ProcCgroups {
  const out: ProcCgroups = new Map();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    // co-mounted controllers ("cpu,cpuacct") share the path; cgroup2's empty list is the key ""
    for (const key of m[1].split(',')) out.set(key, m[2]);
  }
  return out;
}

export const readProcCgroup = (pid: number | 'self'): ProcCgroups => parseProcCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
