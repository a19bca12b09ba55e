// process.scheduler values sched_setattr(2) would refuse with a bare EINVAL, caught here with
// the reason (kernel/sched: valid_policy, __checkparam_dl).
import { Scheduler } from '../../foundation/spec-types';
import { Violation, violation } from './pointer';

const REALTIME = new Set(['SCHED_FIFO', 'SCHED_RR']);
// The smallest runtime the deadline scheduler accepts (2^DL_SCALE ns).
const MIN_DEADLINE_RUNTIME = 1024;

export function checkScheduler(scheduler: Scheduler, at: string): Violation | undefined {
  const priority = scheduler.priority ?? 0;
  if (REALTIME.has(scheduler.policy)) {
    if (priority < 1 || priority > 99) return violation(`${at}/priority`, `must be 1 to 99 for ${scheduler.policy}, got ${priority}`);
  } else if (priority !== 0) {
    return violation(`${at}/priority`, `must be 0 for ${scheduler.policy} (only SCHED_FIFO and SCHED_RR use it), got ${priority}`);
  }
  if (scheduler.policy === 'SCHED_DEADLINE') {
    const runtime = scheduler.runtime ?? 0;
    const deadline = scheduler.deadline ?? 0;
    const period = scheduler.period || deadline;
    if (runtime < MIN_DEADLINE_RUNTIME || deadline < runtime || period < deadline) {
      return violation(at, `SCHED_DEADLINE needs ${MIN_DEADLINE_RUNTIME} <= runtime <= deadline <= period (ns; period 0 means the deadline), ` +
        `got runtime ${runtime}, deadline ${deadline}, period ${scheduler.period ?? 0}`);
    }
  }
  return undefined;
}
