// process.* -> the ops after pivot_root: limits, fds, capabilities, user, cwd, exec.
import { invalid } from '../../foundation/errors';
import { Process } from '../spec';
import { capabilityMask } from './capabilities';
import { Op, PlanRecord } from './ops';

export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function envPath(env: string[] | undefined): string {
  const entry = (env ?? []).find((e) => e.startsWith('PATH='));
  return entry ? entry.slice(5) : DEFAULT_PATH;
}

export function planRlimits(process: Process): PlanRecord[] {
  return (process.rlimits ?? []).map((r) => {
    const n = RLIMITS[r.type];
    if (n === undefined) throw invalid(`config.json: rlimit type "${r.type}" is not known`);
    return { op: Op.RLIMIT, args: [n, BigInt(r.soft), BigInt(r.hard), r.type] };
  });
}

export interface IdentityPlan {
  bounding: PlanRecord;
  user: PlanRecord;
  caps: PlanRecord;
  warnings: string[];
}

export function planIdentity(process: Process, lastCap: number): IdentityPlan {
  const c = process.capabilities ?? {};
  const sets = {
    bounding: capabilityMask(c.bounding, lastCap),
    effective: capabilityMask(c.effective, lastCap),
    permitted: capabilityMask(c.permitted, lastCap),
    inheritable: capabilityMask(c.inheritable, lastCap),
    ambient: capabilityMask(c.ambient, lastCap),
  };
  const unknown = new Set(Object.values(sets).flatMap((s) => s.unknown));
  const warnings = [...unknown].map((name) => `unknown capability "${name}" ignored`);
  const u = process.user;
  const umask = u.umask ?? -1;
  return {
    bounding: { op: Op.BOUNDING_CAPS, args: [sets.bounding.mask, lastCap] },
    user: { op: Op.USER, args: [u.uid, u.gid, umask, 1, ...(u.additionalGids ?? [])] },
    caps: { op: Op.CAPS, args: [sets.effective.mask, sets.permitted.mask, sets.inheritable.mask, sets.ambient.mask, lastCap] },
    warnings,
  };
}

export function planExec(process: Process): { check: PlanRecord; exec: PlanRecord } {
  const args = process.args ?? [];
  if (args.length === 0) throw invalid('config.json: /process/args: must not be empty');
  const env = process.env ?? [];
  // runc refuses these rather than passing them on; execve would hand the program a
  // malformed environment (every process, created or exec'd, comes through here).
  for (const entry of env) {
    const eq = entry.indexOf('=');
    if (eq < 0) throw invalid(`process.env: invalid environment variable: ${JSON.stringify(entry)}`);
    if (eq === 0) throw invalid(`process.env: environment variable name can't be empty: ${JSON.stringify(entry)}`);
  }
  return {
    check: { op: Op.CHECK_EXEC, args: [envPath(env), args[0]] },
    exec: { op: Op.EXEC, args: [args.length, ...args, ...env] },
  };
}

const SCHED_POLICY: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
const SCHED_FLAG: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};
const IOPRIO_CLASS: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** process.scheduler and process.ioPriority, applied while the init is still privileged. */
export function planSchedulingOps(process: Process): PlanRecord[] {
  const ops: PlanRecord[] = [];
  const s = process.scheduler;
  if (s) {
    const flags = (s.flags ?? []).reduce((acc, f) => acc | (SCHED_FLAG[f] ?? 0), 0);
    ops.push({ op: Op.SCHEDULER, args: [SCHED_POLICY[s.policy], s.nice ?? 0, s.priority ?? 0, flags, s.runtime ?? 0, s.deadline ?? 0, s.period ?? 0] });
  }
  const io = process.ioPriority;
  if (io) ops.push({ op: Op.IO_PRIORITY, args: [(IOPRIO_CLASS[io.class] << 13) | io.priority] });
  return ops;
}
