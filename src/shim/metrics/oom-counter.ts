// Counts OOM kills in a task's memory cgroup (v1 memory.oom_control / v2 memory.events
// `oom_kill`), so the shim can tell containerd about each new one with a TaskOOM event.
import * as path from 'path';
import { readProcCgroup } from '../../foundation/proc-cgroup';
import * as native from '../../native';
import { readKeyed } from './cgroup-files';
import { unifiedRoot } from './cgroup-v2';

/** How long after an OOM notification its kill is surely counted. */
const KILL_COUNTED_MS = 100;

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

  /** Calls onOom after each new OOM kill, told by the kernel (no polling: a resting shim stays
   *  asleep), until the returned function is called; undefined when the kernel cannot tell. */
  watch(onOom: () => void): (() => void) | undefined {
    let fd: number;
    try {
      fd = native.oomNotifier(this.dir, this.file === 'memory.oom_control');
    } catch {
      return undefined;
    }
    const check = () => {
      let changed: boolean;
      try {
        changed = this.changed();
      } catch {
        return; // the cgroup is being removed (v1 signals that too)
      }
      if (changed) onOom();
    };
    let recheck: NodeJS.Timeout | undefined;
    const stopWatch = native.onEachReadable(fd, () => {
      check();
      // v1 signals as the OOM starts, before its kill is counted
      clearTimeout(recheck);
      recheck = setTimeout(check, KILL_COUNTED_MS);
    });
    return () => {
      clearTimeout(recheck);
      stopWatch();
    };
  }

  private read(): bigint {
    return BigInt(readKeyed(this.dir, this.file).get('oom_kill') ?? '0');
  }
}
