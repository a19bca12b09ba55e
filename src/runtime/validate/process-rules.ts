// Rules on a process object the schema cannot express. `at` is the pointer of the process
// itself: '/process' inside config.json, '' for the file given to `exec --process`.
import { Process } from '../../foundation/spec-types';
import { Violation, violation } from './pointer';
import { checkScheduler } from './scheduler-rules';

/** The resources getrlimit(2)/setrlimit(2) know on Linux. */
export const KERNEL_RLIMITS = new Set([
  'RLIMIT_AS',
  'RLIMIT_CORE',
  'RLIMIT_CPU',
  'RLIMIT_DATA',
  'RLIMIT_FSIZE',
  'RLIMIT_LOCKS',
  'RLIMIT_MEMLOCK',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_NOFILE',
  'RLIMIT_NPROC',
  'RLIMIT_RSS',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
  'RLIMIT_SIGPENDING',
  'RLIMIT_STACK',
]);

export function checkProcess(process: Process, at: string): Violation | undefined {
  if (!process.cwd.startsWith('/')) {
    return violation(`${at}/cwd`, `must be an absolute path, got ${JSON.stringify(process.cwd)}`);
  }
  if (process.scheduler) {
    const found = checkScheduler(process.scheduler, `${at}/scheduler`);
    if (found) return found;
  }
  return checkRlimits(process, at);
}

function checkRlimits(process: Process, at: string): Violation | undefined {
  const seen = new Set<string>();
  for (const [i, rlimit] of (process.rlimits ?? []).entries()) {
    const where = `${at}/rlimits/${i}`;
    if (!KERNEL_RLIMITS.has(rlimit.type)) {
      return violation(`${where}/type`, `unknown rlimit ${rlimit.type} (the kernel knows ${[...KERNEL_RLIMITS].join(', ')})`);
    }
    if (seen.has(rlimit.type)) return violation(`${where}/type`, `duplicate rlimit ${rlimit.type}`);
    seen.add(rlimit.type);
    if (rlimit.soft > rlimit.hard) {
      return violation(where, `soft limit ${rlimit.soft} is above hard limit ${rlimit.hard}`);
    }
  }
  return undefined;
}
