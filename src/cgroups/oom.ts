// OOM notifications for `events`: the kernel's oom_kill counter (v1 memory.oom_control, v2
// memory.events) is polled, and each increase is one "oom" event, as runc reports them.
import type { CgroupManager } from './types';

/** Calls onOom whenever the cgroup's OOM-kill count grows; returns the function that stops it. */
export function watchOomKills(cg: CgroupManager, onOom: () => void, intervalMs = 100): () => void {
  let seen = cg.oomKillCount();
  const timer = setInterval(() => {
    let now: number;
    try {
      now = cg.oomKillCount();
    } catch {
      return; // the cgroup is being removed
    }
    if (now > seen) {
      seen = now;
      onOom();
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
