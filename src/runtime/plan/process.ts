// process.* -> the ops after pivot_root: limits, fds, capabilities, user, cwd, exec.
import { invalid } from '../errors';
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
  return {
    check: { op: Op.CHECK_EXEC, args: [envPath(env), args[0]] },
    exec: { op: Op.EXEC, args: [args.length, ...args, ...env] },
  };
}
