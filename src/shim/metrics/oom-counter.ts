// Counts OOM kills in a task's memory cgroup (v1 memory.oom_control / v2 memory.events
// `oom_kill`), so the shim can tell containerd about each new one with a TaskOOM event.
import * as path from 'path';
import { readProcCgroup } from '../../foundation/proc-cgroup';
import { readKeyed } from './cgroup-files';
import { unifiedRoot } from './cgroup-v2';

export class OomCounter {
  private seen: bigint;

  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {
    this.seen = this.read();
  }

  /** undefined when the task has no memory cgroup the shim can read */
  static forPid(pid: number): OomCounter | undefined {
    try {
      const cgroups = readProcCgroup(pid);
      const v1 = cgroups.get('memory');
      if (v1 !== undefined) return new OomCounter(path.join('/sys/fs/cgroup/memory', v1), 'memory.oom_control');
      return new OomCounter(path.join(unifiedRoot(), cgroups.get('') ?? '/'), 'memory.events');
    } catch {
      return undefined;
    }
  }

  /** True when OOM kills happened since the last call. */
  changed(): boolean {
    const now = this.read();
    if (now <= this.seen) return false;
    this.seen = now;
    return true;
  }

  private read(): bigint {
    return BigInt(readKeyed(this.dir, this.file).get('oom_kill') ?? '0');
  }
}
